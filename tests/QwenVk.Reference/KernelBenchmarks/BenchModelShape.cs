namespace QwenVk.Reference.KernelBenchmarks;

/// <summary>The layer dimensions a benchmark preset takes its kernel shapes from. <paramref name="QkvBias"/>: q/k/v
/// have biases (Qwen2/2.5); <paramref name="QkNorm"/>: q and k heads are RMS-normalized before RoPE (Qwen3).</summary>
public sealed record BenchModelShape(string Name, int Hidden, int HeadsQ, int HeadsKv, int HeadDim, int Intermediate, int Vocab,
    bool QkvBias = true, bool QkNorm = false)
{
    /// <summary>Qwen2.5-0.5B: 896 hidden, 14 query heads over 2 kv heads of 64, 4864 intermediate.</summary>
    public static readonly BenchModelShape Qwen05B = new("0.5b", 896, 14, 2, 64, 4864, 151936);

    /// <summary>Qwen2.5-7B: 3584 hidden, 28 query heads over 4 kv heads of 128, 18944 intermediate.</summary>
    public static readonly BenchModelShape Qwen7B = new("7b", 3584, 28, 4, 128, 18944, 152064);

    /// <summary>Qwen3-0.6B: 1024 hidden, 16 query heads over 8 kv heads of 128, 3072 intermediate, no q/k/v bias,
    /// q/k RMSNorm.</summary>
    public static readonly BenchModelShape Qwen3_06B = new("qwen3-0.6b", 1024, 16, 8, 128, 3072, 151936, QkvBias: false, QkNorm: true);

    public static IReadOnlyList<BenchModelShape> Presets { get; } = [Qwen05B, Qwen7B, Qwen3_06B];

    public int QDim => HeadsQ * HeadDim;
    public int KvDim => HeadsKv * HeadDim;
}
