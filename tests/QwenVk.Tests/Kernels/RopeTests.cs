using QwenVk.Reference.KernelChecks;

namespace QwenVk.Tests.Kernels;

[Collection("gpu")]
public sealed class RopeTests(GpuFixture gpu)
{
    public static TheoryData<string> Cases() => new(RopeCheck.Cases().Select(c => c.Case));

    [Theory, MemberData(nameof(Cases))]
    public void MatchesCpuReference(string name) => KernelCheckRunner.Run(gpu, RopeCheck.Cases(), name);
}
