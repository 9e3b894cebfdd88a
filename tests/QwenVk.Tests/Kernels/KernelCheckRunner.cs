using QwenVk.Reference.KernelChecks;

namespace QwenVk.Tests.Kernels;

static class KernelCheckRunner
{
    /// <summary>Runs the named case with a fresh seed each time (printed on failure, so a failure can be replayed).</summary>
    public static void Run(GpuFixture gpu, IEnumerable<KernelCheck> cases, string name)
    {
        var check = cases.Single(c => c.Case == name);
        int seed = Environment.GetEnvironmentVariable("QWENVK_TEST_SEED") is { } s ? int.Parse(s) : Random.Shared.Next();
        double error = check.Run(gpu.Ctx, new Random(seed));
        Assert.True(error <= check.Tolerance, $"{check}: error {error:E3} > tolerance {check.Tolerance:E1} (seed {seed})");
        gpu.AssertClean();
    }
}
