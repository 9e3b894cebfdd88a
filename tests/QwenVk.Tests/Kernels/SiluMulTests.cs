using QwenVk.Reference.KernelChecks;

namespace QwenVk.Tests.Kernels;

[Collection("gpu")]
public sealed class SiluMulTests(GpuFixture gpu)
{
    public static TheoryData<string> Cases() => new(SiluMulCheck.Cases().Select(c => c.Case));

    [Theory, MemberData(nameof(Cases))]
    public void MatchesCpuReference(string name) => KernelCheckRunner.Run(gpu, SiluMulCheck.Cases(), name);
}
