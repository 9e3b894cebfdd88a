using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;

namespace QwenVk.Tests.Kernels;

/// <summary>The step buffer is one u32, the position of token 0: the only word any shader reads. It was u32[4]
/// with three words written by the host every step and read by nothing.</summary>
public sealed class StepContractTests
{
    static TensorType F32(params int[] s) => TensorType.Of(DType.F32, s);
    static TensorType F16(params int[] s) => TensorType.Of(DType.F16, s);

    [Fact]
    public void KernelsTakeAOneWordStepAndRefuseTheOldFourWordOne()
    {
        var table = F32(16, 4, 2);
        var rope = new RopeKernel();
        rope.Validate([F32(2, 3, 8), table, TensorType.Of(DType.U32, 1)], [F32(2, 3, 8)]);
        var e = Assert.Throws<KernelShapeException>(() => rope.Validate([F32(2, 3, 8), table, TensorType.Of(DType.U32, 4)], [F32(2, 3, 8)]));
        Assert.Contains("u32[1]", e.Message);

        var append = new KvAppendKernel();
        var cache = F16(2, 16, 8);
        append.Validate([F32(1, 2, 8), F32(1, 2, 8), TensorType.Of(DType.U32, 1)], [cache, cache]);
        Assert.Throws<KernelShapeException>(() => append.Validate([F32(1, 2, 8), F32(1, 2, 8), TensorType.Of(DType.U32, 4)], [cache, cache]));
    }
}
