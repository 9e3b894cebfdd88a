using QwenVk.Runtime.Quantization;

namespace QwenVk.Runtime.Kernels;

/// <summary>The weight-format axis of the kernels that read weight matrices (matvec, matmul, embedding): which
/// element types W may have and the code their shaders' WFMT specialization constant takes (shaders/weights.glsl:
/// WF_F16, WF_Q8_0, WF_Q4_0, WF_Q4_Z, WF_Q8_Z).</summary>
public static class WeightFormat
{
    public static uint Code(DType t) => t switch
    {
        DType.F16 => 0,
        DType.Q8_0 => 1,
        DType.Q4_0 => 2,
        DType.Q4_Z => 3,
        DType.Q8_Z => 4,
        _ => throw new KernelShapeException($"weights must be f16, q8_0, q4_0, q4_z or q8_z, got {t.ToString().ToLowerInvariant()}"),
    };

    public static bool IsWeight(DType t) => t is DType.F16 or DType.Q8_0 or DType.Q4_0 or DType.Q4_Z or DType.Q8_Z;

    /// <summary>Throws when <paramref name="w"/> [rows, K] is not a weight this kernel can read.</summary>
    public static void Check(string kind, string what, TensorType w)
    {
        if (!IsWeight(w.DType) || w.Rank != 2)
            throw new KernelShapeException($"{kind}: {what} must be f16, q8_0, q4_0, q4_z or q8_z [rows, K], got {w}");
        if (w.DType.IsBlockQuantized() && QuantizedLayout.Unsupported(w.DType, w[1]) is { } why)
            throw new KernelShapeException($"{kind}: {what} {w}: {why}");
    }
}
