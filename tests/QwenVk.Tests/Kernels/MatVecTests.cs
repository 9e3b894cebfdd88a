using QwenVk.Reference.KernelChecks;

namespace QwenVk.Tests.Kernels;

[Collection("gpu")]
public sealed class MatVecTests(GpuFixture gpu)
{
    public static TheoryData<string> Cases() => new(MatVecCheck.Cases().Select(c => c.Case));

    [Theory, MemberData(nameof(Cases))]
    public void MatchesCpuReference(string name) => KernelCheckRunner.Run(gpu, MatVecCheck.Cases(), name);
}
