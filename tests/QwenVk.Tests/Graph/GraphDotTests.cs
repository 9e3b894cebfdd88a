using System.Text.RegularExpressions;
using QwenVk.Model.Inference;

namespace QwenVk.Tests.Graph;

/// <summary>The DOT picture of a compiled model graph is one connected drawing: every view hangs off its base.</summary>
[Collection("gpu")]
public sealed class GraphDotTests(GpuFixture gpu)
{
    [Theory]
    [InlineData("qwen2-tiny", 1)]
    [InlineData("qwen3-tiny", 1)]
    [InlineData("qwen3-tiny", 5)]
    public void ViewsAreDrawnWithAnEdgeFromWhatTheyView(string model, int tokens)
    {
        using var m = QwenModel.Load(gpu.Ctx, RepoPaths.ReferenceModel(model), new ModelOptions { ContextLength = 32 });
        var g = m.Graph(tokens);
        var dot = g.ToDot();
        var views = g.Nodes.SelectMany(n => n.Tensors).Where(t => t.IsView).Distinct().ToList();
        Assert.NotEmpty(views);
        foreach (var v in views) Assert.Contains($"t{v.Base.Id} -> t{v.Id}", dot);

        // One island: union every edge's ends and count the groups of drawn vertices.
        var parent = new Dictionary<string, string>();
        string Find(string x) => parent[x] == x ? x : parent[x] = Find(parent[x]);
        foreach (Match d in Regex.Matches(dot, @"^\s+([nt]\d+) \[", RegexOptions.Multiline)) parent[d.Groups[1].Value] = d.Groups[1].Value;
        foreach (Match e in Regex.Matches(dot, @"^\s+([nt]\d+) -> ([nt]\d+)", RegexOptions.Multiline))
            parent[Find(e.Groups[1].Value)] = Find(e.Groups[2].Value);
        Assert.Single(parent.Keys.Select(Find).Distinct());
        gpu.AssertClean();
    }
}
