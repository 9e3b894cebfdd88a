using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
using static QwenVk.Reference.KernelChecks.CheckData;

namespace QwenVk.Reference.KernelChecks;

public static class RmsNormCheck
{
    public static double[] Reference(double[] x, int cols, double eps, double[]? w)
    {
        var y = new double[x.Length];
        for (int r = 0; r < x.Length / cols; r++)
        {
            double ss = 0;
            for (int c = 0; c < cols; c++) ss += x[r * cols + c] * x[r * cols + c];
            double inv = 1.0 / Math.Sqrt(ss / cols + eps);
            for (int c = 0; c < cols; c++) y[r * cols + c] = x[r * cols + c] * inv * (w?[c] ?? 1.0);
        }
        return y;
    }

    // A single row, widths off every workgroup/subgroup multiple, the real hidden and MLP widths, the per-head
    // q/k norm shape (many short rows) and more rows than one grid dimension holds (65535 workgroups).
    static readonly (int Rows, int Cols, bool Weight)[] Shapes =
        [(1, 37, true), (3, 67, false), (5, 151, true), (4, 896, true), (2, 4864, true), (40, 128, true), (7, 64, false),
         (66000, 24, true)];

    public static IEnumerable<KernelCheck> Cases() =>
        Shapes.Select(s => new KernelCheck("rmsnorm", $"{s.Rows}x{s.Cols}{(s.Weight ? "" : "-noweight")}", 1e-7, (ctx, rng) =>
        {
            const float eps = 1e-6f;
            var type = TensorType.Of(DType.F32, s.Rows, s.Cols);
            var x = Floats(rng, type.Elements, 3.0);
            var tx = Input(ctx, type, x, "x");
            var to = Output(ctx, type, "out");
            double[]? w = null;
            DeviceTensor? tw = null;
            if (s.Weight)
            {
                (var wh, w) = Halfs(rng, s.Cols, 2.0);
                tw = Input(ctx, TensorType.Of(DType.F16, s.Cols), wh, "w");
            }
            KernelRunner.Run(ctx, new RmsNormKernel(eps, s.Weight), tw is null ? [tx] : [tx, tw], [to]);
            double e = Nmse(ReadF32(to), Reference(ToDouble(x), s.Cols, eps, w));
            Free(tx, to);
            if (tw is not null) Free(tw);
            return e;
        }));
}
