using QwenVk.Reference.KernelChecks;

namespace QwenVk.Tests.Kernels;

[Collection("gpu")]
public sealed class RmsNormTests(GpuFixture gpu)
{
    public static TheoryData<string> Cases() => new(RmsNormCheck.Cases().Select(c => c.Case));

    [Theory, MemberData(nameof(Cases))]
    public void MatchesCpuReference(string name) => KernelCheckRunner.Run(gpu, RmsNormCheck.Cases(), name);
}
