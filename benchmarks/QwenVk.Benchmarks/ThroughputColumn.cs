using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace QwenVk.Benchmarks;

/// <summary>GB/s or GFLOP/s of a case: its <see cref="QwenVk.Runtime.Kernels.KernelCost"/> over the measured mean
/// (wall clock per submit, so a lower bound of what the kernel itself achieves).</summary>
sealed class ThroughputColumn(ThroughputColumn.Kind kind) : IColumn
{
    public enum Kind { GBps, GFlops }

    public string Id => $"{nameof(ThroughputColumn)}.{kind}";
    public string ColumnName => kind == Kind.GBps ? "GB/s" : "GFLOP/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => (int)kind;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => kind == Kind.GBps
        ? "Bytes the kernel moves (KernelCost) per second of measured mean, in 1e9/s"
        : "FLOPs of the kernel (KernelCost) per second of measured mean, in 1e9/s";

    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var cost = BenchCases.Cost(benchmarkCase.Parameters["Case"] as string);
        double? meanNs = summary[benchmarkCase]?.ResultStatistics?.Mean;
        if (cost is not { } c || meanNs is not > 0) return "-";
        double amount = kind == Kind.GBps ? c.Bytes : c.Flops;
        return amount > 0 ? (amount / meanNs.Value).ToString("F2") : "-";
    }

    public override string ToString() => ColumnName;
}
