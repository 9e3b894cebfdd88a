using QwenVk.Reference.KernelChecks;
using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;

namespace QwenVk.Tests.Kernels;

[Collection("gpu")]
public sealed class AttentionTests(GpuFixture gpu)
{
    public static TheoryData<string> Cases() => new(AttentionCheck.Cases().Select(c => c.Case));

    [Theory, MemberData(nameof(Cases))]
    public void MatchesCpuReference(string name) => KernelCheckRunner.Run(gpu, AttentionCheck.Cases(), name);

    [Fact]
    public void RejectsQueryHeadsNotAMultipleOfKvHeads()
    {
        var q = TensorType.Of(DType.F32, 1, 14, 64);
        var cache = TensorType.Of(DType.F16, 3, 100, 64);
        var step = TensorType.Of(DType.U32, 4);
        var e = Assert.Throws<KernelShapeException>(() => new AttentionKernel(0.125f).Validate([q, cache, cache, step], [q]));
        Assert.Contains("multiple of kv heads", e.Message);
    }
}
