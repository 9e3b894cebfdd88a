using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Graph;

/// <summary>
/// Places a memory barrier before a node only where it has a real hazard with work since the last barrier:
/// it reads bytes written since then (read after write), writes bytes read since then (write after read), or writes
/// bytes written since then (write after write). Byte ranges, not tensor names, decide: aliased transients share
/// bytes, and a split weight's chunks share a buffer.
/// </summary>
public static class BarrierPlanner
{
    public static void Plan(IReadOnlyList<PlannedNode> nodes, bool afterEveryNode)
    {
        var writes = new List<BufferRange>();
        var reads = new List<BufferRange>();
        for (int i = 0; i < nodes.Count; i++)
        {
            var n = nodes[i];
            var nodeReads = n.Bindings.Take(n.Inputs.Length).ToArray();
            var nodeWrites = n.Bindings.Skip(n.Inputs.Length).ToArray();
            bool hazard = afterEveryNode
                ? i > 0
                : nodeReads.Any(r => writes.Any(w => Overlap(r, w)))
                  || nodeWrites.Any(w => writes.Any(x => Overlap(w, x)) || reads.Any(r => Overlap(w, r)));
            n.BarrierBefore = hazard;
            if (hazard)
            {
                writes.Clear();
                reads.Clear();
            }
            reads.AddRange(nodeReads);
            writes.AddRange(nodeWrites);
        }
    }

    public static bool Overlap(BufferRange a, BufferRange b) =>
        ReferenceEquals(a.Buffer, b.Buffer) && a.Offset < b.Offset + b.Size && b.Offset < a.Offset + a.Size;
}
