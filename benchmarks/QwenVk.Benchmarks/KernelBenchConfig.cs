using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace QwenVk.Benchmarks;

/// <summary>GB/s and GFLOP/s columns, and a ShortRun job (1 launch, 3 warm-ups, 3 iterations) unless the command
/// line names a job: on lavapipe a full default run of the prefill matmuls would take hours.</summary>
static class KernelBenchConfig
{
    public static IConfig Create(string[] args)
    {
        var config = ManualConfig.CreateEmpty()
            .AddColumn(new ThroughputColumn(ThroughputColumn.Kind.GBps), new ThroughputColumn(ThroughputColumn.Kind.GFlops));
        bool jobOnCommandLine = args.Any(a => a is "--job" or "-j" || a.StartsWith("--job=", StringComparison.Ordinal));
        return jobOnCommandLine ? config : config.AddJob(Job.ShortRun);
    }
}
