using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;

namespace QwenVk.Reference.KernelChecks;

/// <summary>Prefill matmul against <see cref="LinearCheck.Reference"/>: edges in every dimension (N, M, K not multiples
/// of the 64 x 64 x 16 tiles), a single row, Qwen2.5-0.5B's layer shapes, a column offset and a weight split into
/// chunks written by one dispatch each.</summary>
public static class MatMulCheck
{
    static Kernel Make(bool bias, int col) => new MatMulKernel(bias, col);
    /// <summary>Fixed tiles, so every geometry the host may choose is covered on any device (with no tiles given, CPU
    /// drivers run the token-blocked matvec shader instead, which the default cases above then cover).</summary>
    static Func<bool, int, Kernel> With(MatMulTiles tiles) => (bias, col) => new MatMulKernel(bias, col, tiles);

    public static IEnumerable<KernelCheck> Cases() =>
    [
        LinearCheck.Case("matmul", Make, n: 1, m: 67, k: 37, bias: false),
        LinearCheck.Case("matmul", Make, n: 5, m: 67, k: 37, bias: true),
        LinearCheck.Case("matmul", Make, n: 77, m: 131, k: 96, bias: true),
        LinearCheck.Case("matmul", Make, n: 128, m: 896, k: 896, bias: false),
        LinearCheck.Case("matmul", Make, n: 77, m: 896, k: 896, bias: true),
        LinearCheck.Case("matmul", Make, n: 20, m: 4864, k: 896, bias: false),
        LinearCheck.Case("matmul", Make, n: 19, m: 896, k: 4864, bias: false),
        LinearCheck.Case("matmul", Make, n: 70, m: 100, k: 40, bias: true, col: 117, totalCols: 300),
        LinearCheck.Case("matmul", With(MatMulTiles.Gpu), n: 77, m: 131, k: 96, bias: true, variant: "gpu tiles"),
        LinearCheck.Case("matmul", With(MatMulTiles.Gpu), n: 128, m: 896, k: 896, bias: false, variant: "gpu tiles"),
        LinearCheck.Case("matmul", With(MatMulTiles.Cpu), n: 77, m: 131, k: 96, bias: true, variant: "cpu tiles"),
        LinearCheck.Case("matmul", With(MatMulTiles.Small), n: 70, m: 100, k: 40, bias: true, col: 117, totalCols: 300, variant: "small tiles"),
        LinearCheck.Case("matmul", With(new MatMulTiles(32, 64, 4, 2, 8)), n: 1, m: 67, k: 37, bias: false, variant: "32x64x4 tiles"),
        LinearCheck.SplitCase("matmul", Make, n: 33, m: 1000, k: 72, bias: true, maxBytes: 40 << 10),
        .. QuantizedCases(DType.Q8_0),
        .. QuantizedCases(DType.Q4_0),
        .. QuantizedCases(DType.Q4_Z),
        .. QuantizedCases(DType.Q8_Z),
    ];

    /// <summary>Quantized W dequantized into the tiles (GPU tiles) or read by the token-blocked matvec (CPU drivers).</summary>
    static IEnumerable<KernelCheck> QuantizedCases(DType q) =>
    [
        LinearCheck.Case("matmul", Make, n: 77, m: 131, k: 96, bias: true, weights: q),
        LinearCheck.Case("matmul", With(MatMulTiles.Gpu), n: 77, m: 131, k: 96, bias: true, variant: "gpu tiles", weights: q),
        LinearCheck.Case("matmul", With(MatMulTiles.Gpu), n: 64, m: 896, k: 896, bias: false, variant: "gpu tiles", weights: q),
        LinearCheck.Case("matmul", With(MatMulTiles.Cpu), n: 70, m: 100, k: 64, bias: false, col: 117, totalCols: 300, variant: "cpu tiles", weights: q),
        LinearCheck.Case("matmul", With(MatMulTiles.Small), n: 9, m: 67, k: 160, bias: true, variant: "small tiles", weights: q),
        LinearCheck.SplitCase("matmul", With(MatMulTiles.Gpu), n: 33, m: 1000, k: 96, bias: true, maxBytes: 40 << 10, weights: q),
    ];
}
