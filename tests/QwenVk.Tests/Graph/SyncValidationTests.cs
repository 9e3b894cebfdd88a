using QwenVk.Runtime.Graph;

namespace QwenVk.Tests.Graph;

/// <summary>Synchronization validation is only evidence if it can fail: drop every barrier from a compiled graph
/// and the layer must report hazards. (Its silence on the model graphs is then worth something.)</summary>
[Collection("gpu")]
public sealed class SyncValidationTests(GpuFixture gpu)
{
    [Fact]
    public void SyncValidationReportsAGraphWithItsBarriersRemoved()
    {
        using var rg = new RandomGraph(gpu.Ctx, 3);
        var map = rg.Bind(rg.RandomInputs(new Random(3)));
        using var g = GraphCompiler.Compile(gpu.Ctx, rg.Graph, map, new CompileOptions { ChunkNodes = 1000 });
        Assert.Contains(g.Nodes, n => n.BarrierBefore);
        foreach (var n in g.Nodes) n.BarrierBefore = false;
        g.Run();
        var messages = gpu.Ctx.Validation.Messages;
        gpu.Ctx.Validation.Clear();
        Assert.Contains(messages, m => m.Contains("SYNC-HAZARD"));
    }
}
