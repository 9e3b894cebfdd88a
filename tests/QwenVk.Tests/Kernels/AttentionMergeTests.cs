using QwenVk.Reference.KernelChecks;
using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;

namespace QwenVk.Tests.Kernels;

[Collection("gpu")]
public sealed class AttentionMergeTests(GpuFixture gpu)
{
    public static TheoryData<string> Cases() => new(AttentionMergeCheck.Cases().Select(c => c.Case));

    [Theory, MemberData(nameof(Cases))]
    public void MatchesCpuReference(string name) => KernelCheckRunner.Run(gpu, AttentionMergeCheck.Cases(), name);

    [Fact]
    public void OutputMustMatchThePartials()
    {
        var partials = AttentionKernel.PartialsType(14, 8, 64);
        new AttentionMergeKernel().Validate([partials], [TensorType.Of(DType.F32, 1, 14, 64)]);
        var e = Assert.Throws<KernelShapeException>(() => new AttentionMergeKernel().Validate([partials], [TensorType.Of(DType.F32, 1, 14, 68)]));
        Assert.Contains("writes f32[1,14,64]", e.Message);
    }
}
