using System.Text;

namespace QwenVk.Runtime.Graph;

/// <summary>Text and Graphviz views of a compiled graph: execution order, barriers, memory locations.</summary>
static class GraphDump
{
    public static string Text(CompiledGraph g)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"graph '{g.Name}': {g.DeclaredNodeCount} declared nodes, {g.FusedAway} fused away, {g.CulledAway} culled, " +
                      $"{g.DispatchCount} dispatches, {g.BarrierCount} barriers, {g.ChunkCount} command buffers");
        sb.AppendLine(g.Memory().ToString());
        for (int i = 0; i < g.Nodes.Count; i++)
        {
            var n = g.Nodes[i];
            if (n.BarrierBefore) sb.AppendLine("  ---- barrier ----");
            var fused = n.Declared.Length > 1 ? $" [fused: {string.Join(" + ", n.Declared)}]" : "";
            sb.AppendLine($"  {i,4} {n.Name} = {n.Kernel.Describe()}{fused}");
            sb.AppendLine($"       in:  {string.Join(", ", n.Inputs.Select(t => Where(g, t)))}");
            sb.AppendLine($"       out: {string.Join(", ", n.Outputs.Select(t => Where(g, t)))}");
        }
        return sb.ToString();
    }

    static string Where(CompiledGraph g, GraphTensor t)
    {
        var r = g.Location(t);
        var place = t.IsExternal ? $"{t.Kind.ToString().ToLowerInvariant()} '{r.Buffer.Name}'+{r.Offset}" : $"arena+{r.Offset}";
        return $"{t.Name} {t.Type} @ {place}";
    }

    public static string Dot(CompiledGraph g)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"digraph \"{Esc(g.Name)}\" {{");
        sb.AppendLine("  rankdir=TB; node [fontname=\"monospace\", fontsize=10];");
        // Views and slices are drawn with their base tensor and a dashed edge from it: a view's bytes are the base's,
        // and without the edge the writer of the base and the reader of the view look unconnected.
        var tensors = g.Nodes.SelectMany(n => n.Tensors).SelectMany(t => new[] { t.Base, t }).Distinct().ToList();
        foreach (var t in tensors)
        {
            var r = g.Location(t);
            var (shape, color) = t.Kind switch
            {
                TensorKind.Transient => ("ellipse", "lightgrey"),
                TensorKind.Input => ("invhouse", "lightblue"),
                TensorKind.Output => ("house", "palegreen"),
                _ => ("cylinder", "khaki"),
            };
            var where = t.IsExternal ? $"{r.Buffer.Name}+{r.Offset}" : $"arena+{r.Offset}";
            sb.AppendLine($"  t{t.Id} [shape={shape}, style=filled, fillcolor={color}, label=\"{Esc(t.Name)}\\n{t.Type}\\n@{Esc(where)}\"];");
            if (t.IsView) sb.AppendLine($"  t{t.Base.Id} -> t{t.Id} [style=dashed, arrowhead=none, label=\"view\"];");
        }
        for (int i = 0; i < g.Nodes.Count; i++)
        {
            var n = g.Nodes[i];
            var style = n.BarrierBefore ? "style=\"filled,bold\", color=red, fillcolor=white" : "style=filled, fillcolor=white";
            var label = $"#{i} {n.Name}\\n{n.Kernel.Describe()}{(n.BarrierBefore ? "\\n(barrier before)" : "")}";
            sb.AppendLine($"  n{i} [shape=box, {style}, label=\"{Esc(label)}\"];");
            foreach (var t in n.Inputs) sb.AppendLine($"  t{t.Id} -> n{i};");
            foreach (var t in n.Outputs) sb.AppendLine($"  n{i} -> t{t.Id};");
        }
        sb.AppendLine("}");
        return sb.ToString();
    }

    static string Esc(string s) => s.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\\\\n", "\\n");
}
