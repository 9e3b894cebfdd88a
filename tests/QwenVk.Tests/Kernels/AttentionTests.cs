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
        var step = TensorType.Of(DType.U32, 1);
        var e = Assert.Throws<KernelShapeException>(() => new AttentionKernel(0.125f).Validate([q, cache, cache, step], [q]));
        Assert.Contains("multiple of kv heads", e.Message);
    }

    [Fact]
    public void QkNormNeedsRopeKvAndWeightsOfHeadDim()
    {
        var qk = TensorType.Of(DType.F32, 1, 6, 64);
        var v = TensorType.Of(DType.F32, 1, 2, 64);
        var q = TensorType.Of(DType.F32, 1, 4, 64);
        var cache = TensorType.Of(DType.F16, 2, 100, 64);
        var step = TensorType.Of(DType.U32, 1);
        var table = TensorType.Of(DType.F32, 100, 32, 2);
        var w = TensorType.Of(DType.F16, 64);
        new AttentionKernel(0.125f, ropeKv: true, qkNormEps: 1e-6f).Validate([qk, cache, cache, step, table, v, w, w], [q, cache, cache]);
        var e = Assert.Throws<KernelShapeException>(() => new AttentionKernel(0.125f, ropeKv: true, qkNormEps: 1e-6f)
            .Validate([qk, cache, cache, step, table, v, w, TensorType.Of(DType.F16, 32)], [q, cache, cache]));
        Assert.Contains("k_norm weight must be f16 [64]", e.Message);
        e = Assert.Throws<KernelShapeException>(() => new AttentionKernel(0.125f, qkNormEps: 1e-6f).Validate([q, cache, cache, step], [q]));
        Assert.Contains("comes with rope+kv_append", e.Message);
        e = Assert.Throws<KernelShapeException>(() => new AttentionKernel(0.125f, ropeKv: true, qkNormEps: float.NaN)
            .Validate([qk, cache, cache, step, table, v, w, w], [q, cache, cache]));
        Assert.Contains("epsilon", e.Message);
    }
}
