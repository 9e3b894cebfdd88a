using QwenVk.Reference.KernelChecks;

namespace QwenVk.Tests.Kernels;

[Collection("gpu")]
public sealed class AttentionTests(GpuFixture gpu)
{
    public static TheoryData<string> Cases() => new(AttentionCheck.Cases().Select(c => c.Case));

    [Theory, MemberData(nameof(Cases))]
    public void MatchesCpuReference(string name) => KernelCheckRunner.Run(gpu, AttentionCheck.Cases(), name);
}
