using QwenVk.Reference.KernelChecks;

namespace QwenVk.Tests.Kernels;

[Collection("gpu")]
public sealed class GatherColumnsTests(GpuFixture gpu)
{
    public static TheoryData<string> Cases() => new(GatherColumnsCheck.Cases().Select(c => c.Case));

    [Theory, MemberData(nameof(Cases))]
    public void MatchesCpuReference(string name) => KernelCheckRunner.Run(gpu, GatherColumnsCheck.Cases(), name);
}
