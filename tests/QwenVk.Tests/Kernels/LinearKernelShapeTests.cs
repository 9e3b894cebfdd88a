using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;

namespace QwenVk.Tests.Kernels;

/// <summary>Shape checks, costs and descriptions of the matvec, matmul and embedding kernels (no GPU needed).</summary>
public sealed class LinearKernelShapeTests
{
    static TensorType F32(params int[] s) => TensorType.Of(DType.F32, s);
    static TensorType F16(params int[] s) => TensorType.Of(DType.F16, s);

    public static TheoryData<string> Kinds() => new("matvec", "matmul");

    static Kernel Make(string kind, bool bias, int col = 0) =>
        kind == "matvec" ? new MatVecKernel(bias, col) : new MatMulKernel(bias, col);

    [Theory, MemberData(nameof(Kinds))]
    public void AcceptsMatchingShapes(string kind)
    {
        Make(kind, true).Validate([F32(2, 896), F16(128, 896), F16(128)], [F32(2, 128)]);
        Make(kind, false, 100).Validate([F32(1, 1, 64), F16(28, 64)], [F32(1, 1, 128)]);
    }

    [Theory, MemberData(nameof(Kinds))]
    public void RejectsBadShapesNamingTheProblem(string kind)
    {
        AssertRejects(Make(kind, false), [F32(2, 896), F16(128, 895)], [F32(2, 128)], "columns");
        AssertRejects(Make(kind, false), [F32(2, 896), F32(128, 896)], [F32(2, 128)], "must be f16, q8_0, q4_0, q4_z or q8_z");
        AssertRejects(Make(kind, false), [F32(2, 48), QwenVk.Runtime.TensorType.Of(QwenVk.Runtime.DType.Q4_0, 128, 48)], [F32(2, 128)], "multiple of 32");
        AssertRejects(Make(kind, true), [F32(2, 896), F16(128, 896), F16(127)], [F32(2, 128)], "bias");
        AssertRejects(Make(kind, true), [F32(2, 896), F16(128, 896)], [F32(2, 128)], "3 inputs");
        AssertRejects(Make(kind, false), [F32(2, 896), F16(128, 896)], [F32(3, 128)], "rows");
        AssertRejects(Make(kind, false, 1), [F32(2, 896), F16(128, 896)], [F32(2, 128)], "do not fit");
    }

    [Theory, MemberData(nameof(Kinds))]
    public void CostCountsWeightsActivationsOutputsAndFlops(string kind)
    {
        var cost = Make(kind, true).Cost([F32(2, 896), F16(128, 896), F16(128)], [F32(2, 128)]);
        Assert.Equal(128 * 896 * 2 + 128 * 2 + 2 * 896 * 4 + 2 * 128 * 4, cost.Bytes);
        Assert.Equal(2.0 * 2 * 128 * 896, cost.Flops);
    }

    [Fact]
    public void DescribeShowsBiasAndOffset()
    {
        Assert.Equal("matvec+bias", new MatVecKernel(true).Describe());
        Assert.Equal("matmul@col74898", new MatMulKernel(false, 74898).Describe());
        Assert.Equal("embedding@row5", new EmbeddingKernel(5).Describe());
    }

    [Fact]
    public void EmbeddingRejectsBadShapes()
    {
        AssertRejects(new EmbeddingKernel(), [TensorType.Of(DType.F32, 4), F16(10, 8)], [F32(4, 8)], "ids must be u32");
        AssertRejects(new EmbeddingKernel(), [TensorType.Of(DType.U32, 4), F16(10, 8)], [F32(4, 9)], "rows have");
        AssertRejects(new EmbeddingKernel(), [TensorType.Of(DType.U32, 4), F16(10, 8)], [F32(5, 8)], "4 ids");
    }

    static void AssertRejects(Kernel k, TensorType[] inputs, TensorType[] outputs, string expected)
    {
        var e = Assert.Throws<KernelShapeException>(() => k.Validate(inputs, outputs));
        Assert.Contains(expected, e.Message);
    }
}
