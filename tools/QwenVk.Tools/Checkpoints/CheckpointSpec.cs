namespace QwenVk.Tools.Checkpoints;

public enum MakerArchitecture
{
    Qwen2,
    Qwen3,
}

public enum MakerDType
{
    BF16,
    F16,
    F32,
}

/// <summary>What <see cref="CheckpointMaker"/> writes. The defaults are a tiny Qwen2 (fast enough for any test);
/// <see cref="Qwen25HalfB"/> and <see cref="Qwen3_06B"/> have the shapes of Qwen2.5-0.5B and Qwen3-0.6B.</summary>
public sealed record CheckpointSpec
{
    public MakerArchitecture Architecture { get; init; } = MakerArchitecture.Qwen2;
    public MakerDType DType { get; init; } = MakerDType.BF16;
    public int HiddenSize { get; init; } = 64;
    public int IntermediateSize { get; init; } = 160;
    public int Layers { get; init; } = 2;
    public int Heads { get; init; } = 4;
    public int KeyValueHeads { get; init; } = 2;

    /// <summary>Null: hidden / heads. Qwen3 configs always record it; Qwen2 configs record it only when it differs.</summary>
    public int? HeadDim { get; init; }

    public int VocabSize { get; init; } = 512;
    public int MaxPositionEmbeddings { get; init; } = 32768;
    public double RopeTheta { get; init; } = 1_000_000.0;
    public double RmsNormEps { get; init; } = 1e-6;
    public bool TieWordEmbeddings { get; init; } = true;

    /// <summary>Qwen3 only (Qwen2 always has q/k/v biases): q/k/v/o biases.</summary>
    public bool AttentionBias { get; init; }

    /// <summary>1: model.safetensors; more: model-0000k-of-0000N.safetensors plus model.safetensors.index.json.</summary>
    public int Shards { get; init; } = 1;

    public ulong Seed { get; init; } = 1;
    public int? BosTokenId { get; init; }
    public int[]? EosTokenIds { get; init; }

    /// <summary>Extra generation_config.json fields (e.g. temperature, top_p); null writes greedy defaults.</summary>
    public IReadOnlyDictionary<string, double>? Sampling { get; init; }

    /// <summary>Copied into the folder as tokenizer.json / tokenizer_config.json when set.</summary>
    public string? TokenizerJson { get; init; }
    public string? TokenizerConfigJson { get; init; }

    public int ResolvedHeadDim => HeadDim ?? HiddenSize / Heads;
    public int Bos => BosTokenId ?? VocabSize - 2;
    public int[] Eos => EosTokenIds ?? [VocabSize - 1];

    /// <summary>Shaped like Qwen2.5-0.5B-Instruct (random weights; about 1 GB in BF16).</summary>
    public static CheckpointSpec Qwen25HalfB => new()
    {
        Architecture = MakerArchitecture.Qwen2,
        HiddenSize = 896,
        IntermediateSize = 4864,
        Layers = 24,
        Heads = 14,
        KeyValueHeads = 2,
        VocabSize = 151936,
        MaxPositionEmbeddings = 32768,
        RopeTheta = 1_000_000.0,
        TieWordEmbeddings = true,
        BosTokenId = 151643,
        EosTokenIds = [151645, 151643],
        Sampling = new Dictionary<string, double> { ["repetition_penalty"] = 1.1, ["temperature"] = 0.7, ["top_k"] = 20, ["top_p"] = 0.8 },
    };

    /// <summary>Shaped like Qwen3-0.6B (random weights; about 1.2 GB in BF16): head_dim 128 over a 1024 hidden size,
    /// q/k norms, no q/k/v bias.</summary>
    public static CheckpointSpec Qwen3_06B => new()
    {
        Architecture = MakerArchitecture.Qwen3,
        HiddenSize = 1024,
        IntermediateSize = 3072,
        Layers = 28,
        Heads = 16,
        KeyValueHeads = 8,
        HeadDim = 128,
        VocabSize = 151936,
        MaxPositionEmbeddings = 40960,
        RopeTheta = 1_000_000.0,
        TieWordEmbeddings = true,
        BosTokenId = 151643,
        EosTokenIds = [151645, 151643],
        Sampling = new Dictionary<string, double> { ["temperature"] = 0.6, ["top_k"] = 20, ["top_p"] = 0.95 },
    };

    public void Validate()
    {
        void Need(bool ok, string what)
        {
            if (!ok) throw new ArgumentException($"checkpoint spec: {what}");
        }
        Need(HiddenSize > 0 && IntermediateSize > 0 && Layers > 0 && VocabSize > 0 && MaxPositionEmbeddings > 0, "sizes must be positive");
        Need(Heads > 0 && KeyValueHeads > 0 && Heads % KeyValueHeads == 0, $"heads {Heads} must be a multiple of kv heads {KeyValueHeads}");
        Need(HeadDim is not null || HiddenSize % Heads == 0, $"hidden {HiddenSize} is not divisible by heads {Heads}; give HeadDim");
        Need(ResolvedHeadDim > 0 && ResolvedHeadDim % 2 == 0, $"head dim {ResolvedHeadDim} must be positive and even");
        Need(Shards >= 1, "shards must be at least 1");
        Need(!(AttentionBias && Architecture == MakerArchitecture.Qwen2), "AttentionBias is a Qwen3 option (Qwen2 always has q/k/v biases)");
        Need(Bos >= 0 && Bos < VocabSize && Eos.All(e => e >= 0 && e < VocabSize), "bos/eos ids must be inside the vocabulary");
    }
}
