using QwenVk.Reference.KernelChecks;

namespace QwenVk.Tests.Kernels;

[Collection("gpu")]
public sealed class RowBroadcastTests(GpuFixture gpu)
{
    public static TheoryData<string> Cases() => new(RowBroadcastCheck.Cases().Select(c => c.Case));

    [Theory, MemberData(nameof(Cases))]
    public void MatchesCpuReference(string name) => KernelCheckRunner.Run(gpu, RowBroadcastCheck.Cases(), name);
}
