using QwenVk.Runtime.Graph;

namespace QwenVk.Tests.Graph;

/// <summary>Property tests of the graph scheduler on random DAGs (many seeds): aliasing never overlaps live
/// tensors, the compiled schedule equals the naive one, replay equals re-recording, sliced equals unsliced,
/// and the independent hazard checker finds every barrier in place.</summary>
[Collection("gpu")]
public sealed class GraphSchedulerTests(GpuFixture gpu)
{
    public static TheoryData<int> Seeds() => new(Enumerable.Range(1, 24));

    static CompileOptions Naive => new() { Fuse = false, Alias = false, BarrierAfterEveryNode = true };

    [Theory, MemberData(nameof(Seeds))]
    public void AliasedTransientsNeverOverlapWhileLive(int seed)
    {
        using var rg = new RandomGraph(gpu.Ctx, seed);
        var map = rg.Bind(rg.RandomInputs(new Random(seed)));
        using var g = GraphCompiler.Compile(gpu.Ctx, rg.Graph, map);
        var lives = g.Lifetimes;
        foreach (var a in lives)
            foreach (var b in lives)
            {
                if (a.Tensor == b.Tensor || !a.Overlaps(b)) continue;
                Assert.False(BarrierPlanner.Overlap(g.Location(a.Tensor), g.Location(b.Tensor)),
                    $"{a.Tensor.Name} [{a.First},{a.Last}] and {b.Tensor.Name} [{b.First},{b.Last}] share memory while both live");
            }
        Assert.True(g.Placement.ArenaBytes <= g.Placement.TransientBytes);
        gpu.AssertClean();
    }

    [Theory, MemberData(nameof(Seeds))]
    public void CompiledEqualsNaiveSchedule(int seed)
    {
        using var rg = new RandomGraph(gpu.Ctx, seed);
        var inputs = rg.RandomInputs(new Random(seed));
        var fastMap = rg.Bind(inputs);
        var naiveMap = rg.Bind(inputs);
        using var fast = GraphCompiler.Compile(gpu.Ctx, rg.Graph, fastMap, new CompileOptions { ChunkNodes = 7 });
        using var naive = GraphCompiler.Compile(gpu.Ctx, rg.Graph, naiveMap, Naive);
        Assert.Empty(HazardChecker.Find(fast));
        fast.Run();
        naive.Run();
        // Fused kernels may round differently from the unfused pair, so compare closely, not bitwise.
        var expected = rg.ReadOutputs(naiveMap);
        var actual = rg.ReadOutputs(fastMap);
        for (int o = 0; o < expected.Length; o++)
        {
            double nmse = QwenVk.Reference.KernelChecks.CheckData.Nmse(actual[o], Array.ConvertAll(expected[o], x => (double)x));
            Assert.True(nmse <= 1e-12, $"output {o}: NMSE {nmse:E2} between compiled and naive schedules");
        }
        Assert.True(fast.BarrierCount <= naive.BarrierCount);
        gpu.AssertClean();
    }

    [Theory, MemberData(nameof(Seeds))]
    public void ReplayEqualsRerecording(int seed)
    {
        using var rg = new RandomGraph(gpu.Ctx, seed);
        var rng = new Random(seed);
        var first = rg.RandomInputs(rng);
        var second = rg.RandomInputs(rng);
        var map = rg.Bind(first);
        using var g = GraphCompiler.Compile(gpu.Ctx, rg.Graph, map);
        g.Run();
        for (int i = 0; i < rg.Inputs.Count; i++) map[rg.Inputs[i]].Buffer.Upload<float>(second[i]);
        g.Run(); // replays the command buffers recorded by the first run

        var freshMap = rg.Bind(second);
        using var fresh = GraphCompiler.Compile(gpu.Ctx, rg.Graph, freshMap);
        fresh.Run();
        Assert.Equal(rg.ReadOutputs(freshMap), rg.ReadOutputs(map));
        gpu.AssertClean();
    }

    [Theory, MemberData(nameof(Seeds))]
    public void SlicedEqualsUnsliced(int seed)
    {
        using var rg = new RandomGraph(gpu.Ctx, seed);
        var inputs = rg.RandomInputs(new Random(seed));
        var wholeMap = rg.Bind(inputs);
        var slicedMap = rg.Bind(inputs);
        using var whole = GraphCompiler.Compile(gpu.Ctx, rg.Graph, wholeMap);
        using var sliced = GraphCompiler.Compile(gpu.Ctx, rg.Graph, slicedMap);
        whole.Run();
        var profile = sliced.Profile();
        double budget = Math.Max(1, profile.TotalNs / 4);
        int calls = 0;
        int slices = sliced.RunSliced(budget, _ => calls++);
        Assert.Equal(slices, calls);
        Assert.True(slices >= 1);
        Assert.Equal(rg.ReadOutputs(wholeMap), rg.ReadOutputs(slicedMap));
        gpu.AssertClean();
    }

    [Fact]
    public void FusionFoldsNormWeightIntoOneDispatch()
    {
        var fusedSomewhere = Enumerable.Range(1, 24).Any(seed =>
        {
            using var rg = new RandomGraph(gpu.Ctx, seed);
            var map = rg.Bind(rg.RandomInputs(new Random(seed)));
            using var g = GraphCompiler.Compile(gpu.Ctx, rg.Graph, map);
            return g.FusedAway > 0 && g.Nodes.Any(n => n.Declared.Length == 2 && n.Kernel.Describe().Contains("rmsnorm"));
        });
        Assert.True(fusedSomewhere, "no random graph had an rmsnorm fused with its weight multiply");
        gpu.AssertClean();
    }

    [Fact]
    public void HazardCheckerCatchesARemovedBarrier()
    {
        // The checker must be able to fail: take a schedule with a real hazard and drop its barrier.
        using var rg = new RandomGraph(gpu.Ctx, 3);
        var map = rg.Bind(rg.RandomInputs(new Random(3)));
        using var g = GraphCompiler.Compile(gpu.Ctx, rg.Graph, map);
        var withBarrier = g.Nodes.Skip(1).First(n => n.BarrierBefore);
        withBarrier.BarrierBefore = false;
        Assert.NotEmpty(HazardChecker.Find(g));
        gpu.AssertClean();
    }
}
