using QwenVk.Reference.KernelBenchmarks;
using QwenVk.Runtime.Kernels;

namespace QwenVk.Benchmarks;

/// <summary>The suite's cases for QWENVK_BENCH_PRESET (0.5b by default). BenchmarkDotNet runs each case in a child
/// process, which inherits the variable and so enumerates the same cases.</summary>
static class BenchCases
{
    public static string Preset => Environment.GetEnvironmentVariable("QWENVK_BENCH_PRESET") is { Length: > 0 } p ? p : "0.5b";

    public static IReadOnlyList<KernelBenchCase> All { get; } = KernelBenchSuite.All(Preset);

    public static KernelBenchCase Find(string id) => All.FirstOrDefault(c => c.Id == id)
        ?? throw new ArgumentException($"no benchmark case '{id}' in preset '{Preset}' (QWENVK_BENCH_PRESET).");

    /// <summary>Bytes and FLOPs of a benchmark parameter value, for the throughput columns.</summary>
    public static KernelCost? Cost(string? id) =>
        id is CopyBufferBenchmarks.CaseId or CopyBufferBenchmarks.ShaderCaseId ? new KernelCost(2.0 * CopyBandwidth.DefaultBytes, 0)
        : All.FirstOrDefault(c => c.Id == id)?.Cost;
}
