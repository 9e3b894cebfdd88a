using QwenVk.Reference.KernelChecks;

namespace QwenVk.Tests.Kernels;

[Collection("gpu")]
public sealed class SoftmaxTests(GpuFixture gpu)
{
    public static TheoryData<string> Cases() => new(SoftmaxCheck.Cases().Select(c => c.Case));

    [Theory, MemberData(nameof(Cases))]
    public void MatchesCpuReference(string name) => KernelCheckRunner.Run(gpu, SoftmaxCheck.Cases(), name);
}
