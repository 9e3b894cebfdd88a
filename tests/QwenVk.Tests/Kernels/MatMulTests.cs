using QwenVk.Reference.KernelChecks;

namespace QwenVk.Tests.Kernels;

[Collection("gpu")]
public sealed class MatMulTests(GpuFixture gpu)
{
    public static TheoryData<string> Cases() => new(MatMulCheck.Cases().Select(c => c.Case));

    [Theory, MemberData(nameof(Cases))]
    public void MatchesCpuReference(string name) => KernelCheckRunner.Run(gpu, MatMulCheck.Cases(), name);
}
