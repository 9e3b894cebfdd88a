using QwenVk.Reference.KernelChecks;

namespace QwenVk.Tests.Kernels;

[Collection("gpu")]
public sealed class ArgmaxTests(GpuFixture gpu)
{
    public static TheoryData<string> Cases() => new(ArgmaxCheck.Cases().Select(c => c.Case));

    [Theory, MemberData(nameof(Cases))]
    public void MatchesCpuReference(string name) => KernelCheckRunner.Run(gpu, ArgmaxCheck.Cases(), name);
}
