namespace QwenVk.Reference.KernelBenchmarks;

/// <summary>The layer dimensions a benchmark preset takes its kernel shapes from.</summary>
public sealed record BenchModelShape(string Name, int Hidden, int HeadsQ, int HeadsKv, int HeadDim, int Intermediate, int Vocab)
{
    /// <summary>Qwen2.5-0.5B: 896 hidden, 14 query heads over 2 kv heads of 64, 4864 intermediate.</summary>
    public static readonly BenchModelShape Qwen05B = new("0.5b", 896, 14, 2, 64, 4864, 151936);

    /// <summary>Qwen2.5-7B: 3584 hidden, 28 query heads over 4 kv heads of 128, 18944 intermediate.</summary>
    public static readonly BenchModelShape Qwen7B = new("7b", 3584, 28, 4, 128, 18944, 152064);

    public static IReadOnlyList<BenchModelShape> Presets { get; } = [Qwen05B, Qwen7B];

    public int QDim => HeadsQ * HeadDim;
    public int KvDim => HeadsKv * HeadDim;
}
