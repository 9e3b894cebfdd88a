using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Graph;

/// <summary>
/// An independent check of a compiled schedule: for every pair of nodes that touch overlapping bytes where at least
/// one writes, some barrier must lie between them (or they are in different submissions, which start with a barrier).
/// Exists because the validation layer's synchronization checks were seen to miss hazards on lavapipe.
/// </summary>
public static class HazardChecker
{
    public static IReadOnlyList<string> Find(CompiledGraph g)
    {
        var problems = new List<string>();
        var nodes = g.Nodes;
        // barrierIndex[i] = number of barriers recorded at or before node i's dispatch.
        var barriers = new int[nodes.Count];
        int count = 0;
        for (int i = 0; i < nodes.Count; i++)
        {
            if (nodes[i].BarrierBefore || i % g.ChunkNodes == 0) count++;
            barriers[i] = count;
        }
        for (int j = 0; j < nodes.Count; j++)
            for (int i = j - 1; i >= 0 && barriers[i] == barriers[j]; i--)
            {
                var a = nodes[i];
                var b = nodes[j];
                var aw = a.Bindings.Skip(a.Inputs.Length);
                var ar = a.Bindings.Take(a.Inputs.Length);
                var bw = b.Bindings.Skip(b.Inputs.Length);
                var br = b.Bindings.Take(b.Inputs.Length);
                bool raw = aw.Any(w => br.Any(r => BarrierPlanner.Overlap(w, r)));
                bool war = ar.Any(r => bw.Any(w => BarrierPlanner.Overlap(w, r)));
                bool waw = aw.Any(w => bw.Any(x => BarrierPlanner.Overlap(w, x)));
                if (raw || war || waw)
                    problems.Add($"{(raw ? "read-after-write" : war ? "write-after-read" : "write-after-write")} between '{a.Name}' (#{i}) and '{b.Name}' (#{j}) with no barrier");
            }
        return problems;
    }
}
