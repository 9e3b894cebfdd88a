using QwenVk.Reference.KernelChecks;

namespace QwenVk.Tests.Kernels;

[Collection("gpu")]
public sealed class KvAppendTests(GpuFixture gpu)
{
    public static TheoryData<string> Cases() => new(KvAppendCheck.Cases().Select(c => c.Case));

    [Theory, MemberData(nameof(Cases))]
    public void MatchesCpuReference(string name) => KernelCheckRunner.Run(gpu, KvAppendCheck.Cases(), name);
}
