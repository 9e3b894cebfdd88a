using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
using static QwenVk.Reference.KernelChecks.CheckData;

namespace QwenVk.Reference.KernelChecks;

/// <summary>Decode matmul against <see cref="LinearCheck.Reference"/>: odd K (scalar path) and K % 8 == 0 (uvec4 path),
/// M not a multiple of the rows per workgroup, Qwen2.5-0.5B's layer shapes, a column offset, and the full
/// 151936-row vocabulary projection split into chunks; both load paths (storage buffers, texel buffers) whatever
/// the device prefers.</summary>
public static class MatVecCheck
{
    static Kernel Make(bool bias, int col) => new MatVecKernel(bias, col);
    /// <summary>A fixed rows-per-subgroup, so the GPU choice (1) and odd values are covered on any device.</summary>
    static Func<bool, int, Kernel> Rps(int rows) => (bias, col) => new MatVecKernel(bias, col, rows);
    static Func<bool, int, Kernel> Loads(bool texel) => (bias, col) => new MatVecKernel(bias, col, texelLoads: texel);
    static Func<bool, int, Kernel> Lanes(bool laneRows, int rows = 0) => (bias, col) => new MatVecKernel(bias, col, rows, laneRows: laneRows);
    /// <summary>Lanes along K with the workgroup's subgroups sharing rows and splitting K (a GPU choice), with the
    /// given rows per subgroup and load path.</summary>
    static Func<bool, int, Kernel> SplitK(int rows = 0, bool? texel = null) =>
        (bias, col) => new MatVecKernel(bias, col, rows, texelLoads: texel, laneRows: false, splitK: true);

    public static IEnumerable<KernelCheck> Cases() =>
    [
        LinearCheck.Case("matvec", Make, n: 1, m: 1, k: 8, bias: false),
        LinearCheck.Case("matvec", Make, n: 1, m: 67, k: 37, bias: false),
        LinearCheck.Case("matvec", Make, n: 1, m: 67, k: 37, bias: true),
        LinearCheck.Case("matvec", Make, n: 2, m: 131, k: 36, bias: false),
        LinearCheck.Case("matvec", Make, n: 3, m: 131, k: 96, bias: true),
        LinearCheck.Case("matvec", Make, n: 1, m: 128, k: 896, bias: true),
        LinearCheck.Case("matvec", Make, n: 2, m: 896, k: 896, bias: true),
        LinearCheck.Case("matvec", Make, n: 1, m: 4864, k: 896, bias: false),
        LinearCheck.Case("matvec", Make, n: 1, m: 896, k: 4864, bias: false),
        LinearCheck.Case("matvec", Make, n: 2, m: 100, k: 37, bias: true, col: 117, totalCols: 300),
        LinearCheck.Case("matvec", Make, n: 1, m: 64, k: 64, bias: false, col: 5, totalCols: 80),
        LinearCheck.Case("matvec", Rps(1), n: 1, m: 67, k: 37, bias: true, variant: "rps=1"),
        LinearCheck.Case("matvec", Rps(1), n: 2, m: 131, k: 96, bias: false, variant: "rps=1"),
        LinearCheck.Case("matvec", Rps(3), n: 1, m: 131, k: 96, bias: true, variant: "rps=3"),
        LinearCheck.Case("matvec", Rps(3), n: 2, m: 100, k: 37, bias: false, col: 3, totalCols: 110, variant: "rps=3"),
        LinearCheck.SplitCase("matvec", Make, n: 2, m: 151936, k: 896, bias: false),
        LinearCheck.Case("matvec", Loads(false), n: 2, m: 896, k: 896, bias: true, variant: "storage"),
        LinearCheck.Case("matvec", Loads(false), n: 1, m: 4864, k: 896, bias: false, variant: "storage"),
        LinearCheck.Case("matvec", Loads(false), n: 1, m: 64, k: 64, bias: false, col: 5, totalCols: 80, variant: "storage"),
        LinearCheck.Case("matvec", Loads(true), n: 2, m: 896, k: 896, bias: true, variant: "texel"),
        LinearCheck.Case("matvec", Loads(true), n: 1, m: 896, k: 4864, bias: false, variant: "texel"),
        LinearCheck.Case("matvec", Loads(true), n: 3, m: 131, k: 96, bias: true, col: 3, totalCols: 140, variant: "texel"),
        LinearCheck.Case("matvec", Lanes(true), n: 1, m: 4864, k: 896, bias: false, variant: "lane-rows"),
        LinearCheck.Case("matvec", Lanes(true, 3), n: 3, m: 131, k: 96, bias: true, col: 3, totalCols: 140, variant: "lane-rows rps=3"),
        LinearCheck.Case("matvec", Lanes(true), n: 2, m: 896, k: 4864, bias: false, variant: "lane-rows"),
        LinearCheck.Case("matvec", Lanes(false), n: 1, m: 4864, k: 896, bias: true, variant: "lanes-along-k"),
        LinearCheck.Case("matvec", SplitK(), n: 1, m: 896, k: 4864, bias: false, variant: "split-k"),
        LinearCheck.Case("matvec", SplitK(2, true), n: 2, m: 131, k: 896, bias: true, variant: "split-k rps=2 texel"),
        LinearCheck.Case("matvec", SplitK(3, false), n: 3, m: 67, k: 37, bias: true, col: 3, totalCols: 80, variant: "split-k rps=3 storage"),
        LinearCheck.ResidualCase("matvec", () => new MatVecKernel(false, residual: true, laneRows: false, splitK: true), n: 1, m: 896, k: 896, variant: "split-k"),
        SwiGluCase(new MatVecKernel(false, 0, 2, laneRows: false, swiGlu: true, splitK: true), n: 1, m: 136, k: 896, variant: "split-k rps=2"),
        NormCase(new MatVecKernel(true, 0, 1, laneRows: false, normEps: 1e-6f, splitK: true), n: 2, m: 1152, k: 896, bias: true, variant: "split-k rps=1"),
        LinearCheck.ResidualCase("matvec", () => new MatVecKernel(false, residual: true, laneRows: true), n: 1, m: 896, k: 896, variant: "lane-rows"),
        LinearCheck.ResidualCase("matvec", () => new MatVecKernel(false, residual: true, laneRows: false), n: 1, m: 131, k: 96, variant: "lanes-along-k"),
        LinearCheck.ResidualCase("matvec", () => new MatVecKernel(false, residual: true), n: 1, m: 896, k: 4864),
        LinearCheck.ResidualCase("matvec", () => new MatVecKernel(false, residual: true), n: 2, m: 67, k: 37),
        LinearCheck.ResidualCase("matvec", () => new MatVecKernel(false, texelLoads: false, residual: true), n: 1, m: 896, k: 896, variant: "storage"),
        LinearCheck.ResidualCase("matvec", () => new MatVecKernel(false, texelLoads: true, residual: true), n: 3, m: 131, k: 96, variant: "texel"),
        SwiGluCase(new MatVecKernel(false, swiGlu: true), n: 1, m: 4864, k: 896),
        SwiGluCase(new MatVecKernel(false, swiGlu: true), n: 2, m: 72, k: 37),
        SwiGluCase(new MatVecKernel(false, swiGlu: true), n: 1, m: 1000, k: 2560),
        SwiGluCase(new MatVecKernel(false, laneRows: true, swiGlu: true), n: 3, m: 136, k: 96, variant: "lane-rows"),
        SwiGluCase(new MatVecKernel(false, laneRows: false, swiGlu: true), n: 1, m: 4864, k: 896, variant: "lanes-along-k"),
        SwiGluCase(new MatVecKernel(false, 0, 2, laneRows: false, swiGlu: true), n: 1, m: 136, k: 96, variant: "lanes-along-k rps=2"),
        SwiGluCase(new MatVecKernel(false, 0, 6, laneRows: true, swiGlu: true), n: 1, m: 136, k: 96, variant: "lane-rows rps=6"),
        SwiGluCase(new MatVecKernel(false, texelLoads: false, swiGlu: true), n: 1, m: 896, k: 896, variant: "storage"),
        SwiGluCase(new MatVecKernel(false, texelLoads: true, swiGlu: true), n: 2, m: 896, k: 896, variant: "texel"),
        NormCase(new MatVecKernel(true, normEps: 1e-6f), n: 1, m: 1152, k: 896, bias: true),
        NormCase(new MatVecKernel(false, normEps: 1e-5f), n: 3, m: 131, k: 96),
        NormCase(new MatVecKernel(false, normEps: 1e-6f), n: 2, m: 67, k: 37),
        NormCase(new MatVecKernel(false, normEps: 1e-6f), n: 1, m: 896, k: 4864),
        NormCase(new MatVecKernel(false, laneRows: true, normEps: 1e-6f), n: 2, m: 131, k: 96, variant: "lane-rows"),
        NormCase(new MatVecKernel(true, laneRows: false, normEps: 1e-6f), n: 1, m: 896, k: 896, bias: true, variant: "lanes-along-k"),
        NormCase(new MatVecKernel(false, 0, 1, laneRows: false, normEps: 1e-6f), n: 2, m: 67, k: 96, variant: "lanes-along-k rps=1"),
        NormCase(new MatVecKernel(false, texelLoads: false, normEps: 1e-6f), n: 1, m: 896, k: 896, variant: "storage"),
        NormCase(new MatVecKernel(false, texelLoads: true, normEps: 1e-6f), n: 2, m: 896, k: 896, variant: "texel"),
        NormCase(new MatVecKernel(false, swiGlu: true, normEps: 1e-6f), n: 1, m: 4864, k: 896, swiGlu: true),
        NormCase(new MatVecKernel(false, laneRows: false, swiGlu: true, normEps: 1e-6f), n: 2, m: 136, k: 96, swiGlu: true, variant: "lanes-along-k"),
        NormCase(new MatVecKernel(false, residual: true, normEps: 1e-6f), n: 1, m: 896, k: 896, residual: true),
        .. QuantizedCases(DType.Q8_0),
        .. QuantizedCases(DType.Q4_0),
        .. QuantizedCases(DType.Q4_Z),
        .. QuantizedCases(DType.Q8_Z),
    ];

    /// <summary>Quantized W (weights.glsl): every epilogue, both load paths, both row layouts, split K, M not a multiple
    /// of the 8-row groups, several tokens sharing each weight load (prefill on CPU drivers) and a split weight.</summary>
    static IEnumerable<KernelCheck> QuantizedCases(DType q) =>
    [
        LinearCheck.Case("matvec", Make, n: 1, m: 4864, k: 896, bias: false, weights: q),
        LinearCheck.Case("matvec", Make, n: 1, m: 896, k: 4864, bias: false, weights: q),
        LinearCheck.Case("matvec", Make, n: 3, m: 131, k: 96, bias: true, weights: q),
        LinearCheck.Case("matvec", Make, n: 2, m: 100, k: 64, bias: true, col: 117, totalCols: 300, weights: q),
        LinearCheck.Case("matvec", Loads(false), n: 2, m: 896, k: 896, bias: true, variant: "storage", weights: q),
        LinearCheck.Case("matvec", Loads(true), n: 2, m: 67, k: 160, bias: false, variant: "texel", weights: q),
        LinearCheck.Case("matvec", Lanes(true, 3), n: 3, m: 131, k: 96, bias: true, variant: "lane-rows rps=3", weights: q),
        LinearCheck.Case("matvec", Lanes(false), n: 1, m: 4864, k: 896, bias: true, variant: "lanes-along-k", weights: q),
        LinearCheck.Case("matvec", Rps(3), n: 2, m: 100, k: 64, bias: false, variant: "rps=3", weights: q),
        LinearCheck.Case("matvec", SplitK(2, false), n: 2, m: 131, k: 896, bias: true, variant: "split-k rps=2 storage", weights: q),
        LinearCheck.Case("matvec", SplitK(3, true), n: 1, m: 67, k: 256, bias: false, variant: "split-k rps=3 texel", weights: q),
        LinearCheck.SplitCase("matvec", Make, n: 2, m: 1000, k: 96, bias: false, maxBytes: 40 << 10, weights: q),
        LinearCheck.ResidualCase("matvec", () => new MatVecKernel(false, residual: true), n: 1, m: 896, k: 896, weights: q),
        LinearCheck.ResidualCase("matvec", () => new MatVecKernel(false, texelLoads: false, residual: true, laneRows: false), n: 2, m: 67, k: 96, variant: "storage lanes-along-k", weights: q),
        SwiGluCase(new MatVecKernel(false, swiGlu: true), n: 1, m: 4864, k: 896, weights: q),
        SwiGluCase(new MatVecKernel(false, laneRows: false, swiGlu: true), n: 2, m: 136, k: 96, variant: "lanes-along-k", weights: q),
        SwiGluCase(new MatVecKernel(false, texelLoads: false, laneRows: true, swiGlu: true), n: 3, m: 136, k: 96, variant: "storage lane-rows", weights: q),
        NormCase(new MatVecKernel(true, normEps: 1e-6f), n: 2, m: 131, k: 96, bias: true, weights: q),
    ];

    /// <summary>The gate and up rows [M, K] of a stacked W [2M, K] (<see cref="SiluMulCheck.StackedGate"/>).</summary>
    static (T[] Gate, T[] Up) Unstack<T>(T[] w, int m, int k)
    {
        var gate = new T[(long)m * k];
        var up = new T[(long)m * k];
        for (int j = 0; j < m; j++)
        {
            int row = SiluMulCheck.StackedGate(j);
            Array.Copy(w, (long)row * k, gate, (long)j * k, k);
            Array.Copy(w, (long)(row + SiluMulKernel.StackedBlockRows) * k, up, (long)j * k, k);
        }
        return (gate, up);
    }

    /// <summary>y = W (x / sqrt(mean(x^2) + eps)) (+ bias, + residual or SwiGLU of the halves): the RMSNorm taken
    /// into the product. x rows get different scales (norms from ~0.1 to ~10), so a wrong per-row scale shows.</summary>
    static KernelCheck NormCase(MatVecKernel kernel, int n, int m, int k, bool bias = false, bool swiGlu = false, bool residual = false,
        string variant = "", double tolerance = 5e-4, DType weights = DType.F16) =>
        new("matvec", $"N={n} M={m} K={k}{LinearCheck.Format(weights)} rmsnorm{(bias ? " bias" : "")}{(swiGlu ? " swiglu" : "")}{(residual ? " residual" : "")}{(variant != "" ? " " + variant : "")}",
            tolerance, (ctx, rng) =>
        {
            var x = Floats(rng, (long)n * k);
            for (int t = 0; t < n; t++)
            {
                float rowScale = MathF.Pow(10, t % 3 - 1);
                for (int i = 0; i < k; i++) x[t * k + i] *= rowScale;
            }
            var normed = new float[x.Length];
            double eps = kernel.NormEps!.Value;
            for (int t = 0; t < n; t++)
            {
                double ss = 0;
                for (int i = 0; i < k; i++) ss += (double)x[t * k + i] * x[t * k + i];
                double inv = 1 / Math.Sqrt(ss / k + eps);
                for (int i = 0; i < k; i++) normed[t * k + i] = (float)(x[t * k + i] * inv);
            }
            int rows = swiGlu ? 2 * m : m;
            var wd = Weights(rng, weights, rows, k);
            var w = wd.Values;
            var b = bias ? Halfs(rng, m).Half : null;
            var r = residual ? Floats(rng, (long)n * m) : null;
            // The reference multiplies the normalized x in double; rounding it to float first (above) costs ~1e-15 NMSE.
            double[] expected;
            if (swiGlu)
            {
                var (gateW, upW) = Unstack(w, m, k);
                expected = SiluMulCheck.Reference(LinearCheck.Reference(normed, n, k, gateW, null, m), LinearCheck.Reference(normed, n, k, upW, null, m));
            }
            else
            {
                expected = LinearCheck.Reference(normed, n, k, w, b, m);
                if (r is not null) for (int i = 0; i < expected.Length; i++) expected[i] += r[i];
            }
            var tx = Input(ctx, TensorType.Of(DType.F32, n, k), x, "x");
            var tw = Input(ctx, wd.Type, wd.Bytes, "W");
            var extra = b is not null ? Input(ctx, TensorType.Of(DType.F16, m), b, "bias")
                : r is not null ? Input(ctx, TensorType.Of(DType.F32, n, m), r, "residual") : null;
            var ty = Output(ctx, TensorType.Of(DType.F32, n, m), "y");
            KernelRunner.Run(ctx, kernel, extra is null ? [tx, tw] : [tx, tw, extra], [ty]);
            var got = ReadF32(ty);
            Free(extra is null ? [tx, tw, ty] : [tx, tw, extra, ty]);
            return Nmse(got, expected);
        });

    /// <summary>y = silu(x gate^T) * (x up^T) with W = gate and up rows in alternating blocks (2M rows), into a
    /// poisoned y [N, M]. Gates reach +-100 or so (x scaled up), so both saturated tails of the sigmoid are covered.</summary>
    static KernelCheck SwiGluCase(MatVecKernel kernel, int n, int m, int k, string variant = "", double tolerance = 5e-4, DType weights = DType.F16) =>
        new("matvec", $"N={n} M={m} K={k}{LinearCheck.Format(weights)} swiglu{(variant != "" ? " " + variant : "")}", tolerance, (ctx, rng) =>
        {
            var x = Floats(rng, (long)n * k, 4.0);
            var wd = Weights(rng, weights, 2 * m, k);
            var (gateW, upW) = Unstack(wd.Values, m, k);
            var expected = SiluMulCheck.Reference(LinearCheck.Reference(x, n, k, gateW, null, m), LinearCheck.Reference(x, n, k, upW, null, m));
            var tx = Input(ctx, TensorType.Of(DType.F32, n, k), x, "x");
            var tw = Input(ctx, wd.Type, wd.Bytes, "W");
            var ty = Output(ctx, TensorType.Of(DType.F32, n, m), "y");
            KernelRunner.Run(ctx, kernel, [tx, tw], [ty]);
            var got = ReadF32(ty);
            Free(tx, tw, ty);
            return Nmse(got, expected);
        });
}
