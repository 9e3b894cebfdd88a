using QwenVk.Reference.KernelChecks;

namespace QwenVk.Tests.Kernels;

[Collection("gpu")]
public sealed class AddTests(GpuFixture gpu)
{
    public static TheoryData<string> Cases() => new(AddCheck.Cases().Select(c => c.Case));

    [Theory, MemberData(nameof(Cases))]
    public void MatchesCpuReference(string name) => KernelCheckRunner.Run(gpu, AddCheck.Cases(), name);
}
