using System.Text;

namespace QwenVk.Runtime.Graph;

/// <summary>GPU time per node of one profiled run, and the same summed per kernel kind.</summary>
public sealed class GraphProfile(IReadOnlyList<PlannedNode> nodes, IReadOnlyList<double> nanoseconds)
{
    public IReadOnlyList<(PlannedNode Node, double Ns)> PerNode { get; } = nodes.Zip(nanoseconds).ToList();

    public IReadOnlyList<(string Kind, int Count, double Ns)> PerKind =>
        PerNode.GroupBy(p => p.Node.Kernel.Kind)
            .Select(g => (g.Key, g.Count(), g.Sum(p => p.Ns)))
            .OrderByDescending(k => k.Item3).ToList();

    public double TotalNs => PerNode.Sum(p => p.Ns);

    public string ToText(int topNodes = 20)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"GPU time {TotalNs / 1e6:F3} ms over {PerNode.Count} nodes (a barrier before each node while profiling)");
        sb.AppendLine($"{"kernel",-16} {"nodes",6} {"ms",10} {"share",7}");
        foreach (var (kind, count, ns) in PerKind)
            sb.AppendLine($"{kind,-16} {count,6} {ns / 1e6,10:F3} {100 * ns / Math.Max(1, TotalNs),6:F1}%");
        sb.AppendLine($"slowest {Math.Min(topNodes, PerNode.Count)} nodes:");
        foreach (var (node, ns) in PerNode.OrderByDescending(p => p.Ns).Take(topNodes))
            sb.AppendLine($"  {node.Name,-40} {node.Kernel.Kind,-12} {ns / 1e3,10:F1} us");
        return sb.ToString();
    }
}
