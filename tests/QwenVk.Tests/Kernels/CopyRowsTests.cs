using QwenVk.Reference.KernelChecks;

namespace QwenVk.Tests.Kernels;

[Collection("gpu")]
public sealed class CopyRowsTests(GpuFixture gpu)
{
    public static TheoryData<string> Cases() => new(CopyRowsCheck.Cases().Select(c => c.Case));

    [Theory, MemberData(nameof(Cases))]
    public void MatchesCpuReference(string name) => KernelCheckRunner.Run(gpu, CopyRowsCheck.Cases(), name);
}
