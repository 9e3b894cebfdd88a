using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;

namespace QwenVk.Benchmarks;

/// <summary>The default loggers, exporters and columns plus GB/s and GFLOP/s, one summary table for all kernels, and
/// a ShortRun job (1 launch, 3 warm-ups, 3 iterations) unless the command
/// line names a job: on lavapipe a full default run of the prefill matmuls would take hours.</summary>
static class KernelBenchConfig
{
    public static IConfig Create(string[] args)
    {
        var config = ManualConfig.Create(DefaultConfig.Instance)
            .WithOptions(ConfigOptions.JoinSummary)
            // Case ids ("0.5b/decode/matvec.lm_head") are longer than the default 20 characters.
            .WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(40))
            .AddColumn(new ThroughputColumn(ThroughputColumn.Kind.GBps), new ThroughputColumn(ThroughputColumn.Kind.GFlops));
        bool jobOnCommandLine = args.Any(a => a is "--job" or "-j" || a.StartsWith("--job=", StringComparison.Ordinal));
        return jobOnCommandLine ? config : config.AddJob(Job.ShortRun);
    }
}
