using QwenVk.Reference.KernelChecks;

namespace QwenVk.Tests.Kernels;

[Collection("gpu")]
public sealed class TokenLogprobTests(GpuFixture gpu)
{
    public static TheoryData<string> Cases() => new(TokenLogprobCheck.Cases().Select(c => c.Case));

    [Theory, MemberData(nameof(Cases))]
    public void MatchesCpuReference(string name) => KernelCheckRunner.Run(gpu, TokenLogprobCheck.Cases(), name);
}
