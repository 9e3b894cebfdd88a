using QwenVk.Reference.KernelChecks;

namespace QwenVk.Tests.Kernels;

[Collection("gpu")]
public sealed class EmbeddingTests(GpuFixture gpu)
{
    public static TheoryData<string> Cases() => new(EmbeddingCheck.Cases().Select(c => c.Case));

    [Theory, MemberData(nameof(Cases))]
    public void MatchesCpuReference(string name) => KernelCheckRunner.Run(gpu, EmbeddingCheck.Cases(), name);
}
