using System.Text.Json;

namespace QwenVk.Model.Checkpoints;

/// <summary>A Hugging Face config.json for Qwen2/Qwen2.5 (<c>Qwen2ForCausalLM</c>) or Qwen3 (<c>Qwen3ForCausalLM</c>).
/// Missing keys take the defaults of transformers' Qwen2Config / Qwen3Config; anything this project cannot run is
/// refused (NotSupportedException) and malformed values are rejected (InvalidDataException), both naming the file,
/// the field and the value.</summary>
public sealed record QwenConfig
{
    public required string SourceFile { get; init; }
    public required QwenArchitecture Architecture { get; init; }
    public required int VocabSize { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumHiddenLayers { get; init; }
    public required int NumAttentionHeads { get; init; }
    public required int NumKeyValueHeads { get; init; }
    public required int HeadDim { get; init; }
    public required double RmsNormEps { get; init; }
    public required double RopeTheta { get; init; }
    public required RopeScaling RopeScaling { get; init; }
    public required int MaxPositionEmbeddings { get; init; }
    public required bool TieWordEmbeddings { get; init; }

    /// <summary>q/k/v projections carry a bias (always for Qwen2; attention_bias for Qwen3). o_proj has a bias only
    /// when this is true for Qwen3 (transformers gives o_proj the same flag); Qwen2's o_proj never has one.</summary>
    public required bool AttentionBias { get; init; }

    /// <summary>Qwen3's per-head RMSNorm of q and k (q_norm/k_norm) before RoPE.</summary>
    public bool QkNorm => Architecture == QwenArchitecture.Qwen3;

    /// <summary>Per layer: true where the layer attends only to the last <see cref="SlidingWindow"/> positions.</summary>
    public required bool[] SlidingWindowLayers { get; init; }

    /// <summary>The window for layers marked in <see cref="SlidingWindowLayers"/>; null when no layer slides.</summary>
    public required int? SlidingWindow { get; init; }

    public required string? TorchDtype { get; init; }
    public required int? BosTokenId { get; init; }
    public required int[] EosTokenIds { get; init; }

    /// <summary>GPTQ / AWQ (quantization_config): the layers' projections are stored packed; null for float checkpoints.</summary>
    public PackedQuantization? Quantization { get; init; }

    public int QueryDim => NumAttentionHeads * HeadDim;
    public int KeyValueDim => NumKeyValueHeads * HeadDim;

    /// <summary>Whether o_proj has a bias tensor (Qwen3 with attention_bias; never for Qwen2).</summary>
    public bool OutputProjectionBias => Architecture == QwenArchitecture.Qwen3 && AttentionBias;

    /// <summary>Upper bounds far above any published dense model (Qwen2.5-72B: 80 layers, hidden 8192, 152064 tokens;
    /// the largest dense open models have ~126 layers and hidden 16384). A value past one is a damaged or hostile
    /// file, refused before anything is sized from it (a layer count of 2e8 once built a 24 GB expected-tensor list).</summary>
    public const int MaxLayers = 1024, MaxWidth = 1 << 17, MaxVocab = 1 << 22, MaxHeads = 1024, MaxPositions = 1 << 24;

    public static QwenConfig Load(string path)
    {
        using var doc = JsonFields.Parse(path);
        return JsonFields.Guard(path, () => Parse(doc.RootElement, path));
    }

    public static QwenConfig Parse(string json, string sourceName)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new InvalidDataException($"{sourceName}: not valid JSON ({e.Message}).", e); }
        using (doc) return JsonFields.Guard(sourceName, () => Parse(doc.RootElement, sourceName));
    }

    static QwenConfig Parse(JsonElement root, string file)
    {
        var f = new JsonFields(root, file);
        var arch = ParseArchitecture(f);
        var quantization = f.Get("quantization_config") is { } qc ? PackedQuantization.Parse(qc, file) : null;

        string act = f.StringOrNull("hidden_act") ?? "silu";
        if (act != "silu")
            throw f.Unsupported("hidden_act", $"is \"{act}\"; only \"silu\" (SwiGLU) is supported by Qwen2/Qwen3.");

        int hidden = Bounded(f, "hidden_size", 4096, MaxWidth);
        int heads = Bounded(f, "num_attention_heads", 32, MaxHeads);
        int kvHeads = Bounded(f, "num_key_value_heads", heads, MaxHeads);
        if (heads % kvHeads != 0)
            throw f.Invalid("num_key_value_heads", $"is {kvHeads}, which does not divide num_attention_heads = {heads}.");

        // Qwen3Config declares head_dim = 128 by default; Qwen2Config has no such field and the model uses
        // hidden_size / num_attention_heads (newer transformers also honour an explicit head_dim there).
        int headDim;
        if (f.Has("head_dim")) headDim = Bounded(f, "head_dim", 0, MaxWidth);
        else if (arch == QwenArchitecture.Qwen3) headDim = 128;
        else
        {
            if (hidden % heads != 0)
                throw f.Invalid("hidden_size", $"is {hidden}, not divisible by num_attention_heads = {heads}, and there is no head_dim.");
            headDim = hidden / heads;
        }
        if (headDim % 2 != 0) throw f.Invalid("head_dim", $"is {headDim}; rotary embedding needs an even head dimension.");

        int layers = Bounded(f, "num_hidden_layers", 32, MaxLayers);
        int maxPos = Bounded(f, "max_position_embeddings", 32768, MaxPositions);
        double eps = f.Double("rms_norm_eps", 1e-6);
        if (!(eps > 0)) throw f.Invalid("rms_norm_eps", $"is {eps}, expected a positive number.");

        var (theta, scaling) = RopeScalingParser.Parse(f, maxPos);
        var (window, slidingLayers) = ParseSlidingWindow(f, layers);

        // Qwen2's attention always has q/k/v biases; transformers ignores an attention_bias key there, and so do we.
        bool attentionBias = arch == QwenArchitecture.Qwen2 || f.Bool("attention_bias", false);

        string? dtype = f.StringOrNull("torch_dtype") ?? f.StringOrNull("dtype");
        return new QwenConfig
        {
            SourceFile = file,
            Architecture = arch,
            VocabSize = Bounded(f, "vocab_size", 151936, MaxVocab),
            HiddenSize = hidden,
            IntermediateSize = Bounded(f, "intermediate_size", 22016, MaxWidth),
            NumHiddenLayers = layers,
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            HeadDim = headDim,
            RmsNormEps = eps,
            RopeTheta = theta,
            RopeScaling = scaling,
            MaxPositionEmbeddings = maxPos,
            TieWordEmbeddings = f.Bool("tie_word_embeddings", false),
            AttentionBias = attentionBias,
            SlidingWindowLayers = slidingLayers,
            SlidingWindow = window,
            TorchDtype = dtype,
            BosTokenId = f.IntOrNull("bos_token_id"),
            EosTokenIds = f.IntOrIntList("eos_token_id"),
            Quantization = quantization,
        };
    }

    static int Bounded(JsonFields f, string field, int fallback, int max)
    {
        int v = f.PositiveInt(field, fallback);
        if (v > max) throw f.Invalid(field, $"is {v}, more than the {max} this project accepts; the file is damaged or not a Qwen2/Qwen3 config.");
        return v;
    }

    static QwenArchitecture ParseArchitecture(JsonFields f)
    {
        if (f.Get("architectures") is { } archs)
        {
            if (archs.ValueKind != JsonValueKind.Array || archs.GetArrayLength() == 0)
                throw f.Invalid("architectures", $"is {archs.GetRawText()}, expected a list such as [\"Qwen2ForCausalLM\"].");
            var names = archs.EnumerateArray().Select(a => a.ValueKind == JsonValueKind.String ? a.GetString()! : a.GetRawText()).ToArray();
            foreach (var n in names)
            {
                if (n == "Qwen2ForCausalLM") return QwenArchitecture.Qwen2;
                if (n == "Qwen3ForCausalLM") return QwenArchitecture.Qwen3;
            }
            throw f.Unsupported("architectures", $"is [{string.Join(", ", names)}]; supported: Qwen2ForCausalLM (Qwen2, Qwen2.5), Qwen3ForCausalLM (Qwen3 dense).");
        }
        string? type = f.StringOrNull("model_type");
        return type switch
        {
            "qwen2" => QwenArchitecture.Qwen2,
            "qwen3" => QwenArchitecture.Qwen3,
            null => throw f.Invalid("architectures", "is missing and so is model_type; cannot tell which model this is."),
            _ => throw f.Unsupported("model_type", $"is \"{type}\"; supported: qwen2, qwen3."),
        };
    }

    // transformers: the window applies only when use_sliding_window is true, to layers i >= max_window_layers,
    // unless layer_types lists the kind of every layer explicitly.
    static (int? Window, bool[] Layers) ParseSlidingWindow(JsonFields f, int layers)
    {
        bool use = f.Bool("use_sliding_window", false);
        int? window = use ? f.IntOrNull("sliding_window") ?? 4096 : null;
        if (window is <= 0) throw f.Invalid("sliding_window", $"is {window}, expected a positive integer.");
        var sliding = new bool[layers];
        if (f.Get("layer_types") is { } types)
        {
            if (types.ValueKind != JsonValueKind.Array || types.GetArrayLength() != layers)
                throw f.Invalid("layer_types", $"is {types.GetRawText()}, expected a list of {layers} entries (num_hidden_layers).");
            int i = 0;
            foreach (var t in types.EnumerateArray())
            {
                string? s = t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                sliding[i++] = s switch
                {
                    "full_attention" => false,
                    "sliding_attention" => true,
                    _ => throw f.Unsupported("layer_types", $"entry {i - 1} is {t.GetRawText()}; supported: \"full_attention\", \"sliding_attention\"."),
                };
            }
            if (sliding.Any(x => x) && window is null)
                window = f.IntOrNull("sliding_window") ?? throw f.Invalid("sliding_window", "is missing but layer_types has sliding_attention layers.");
        }
        else if (window is not null)
        {
            int from = f.Int("max_window_layers", 28);
            for (int i = from; i < layers; i++) sliding[i] = true;
        }
        if (!sliding.Any(x => x)) window = null;
        return (window, sliding);
    }
}
