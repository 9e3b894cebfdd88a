using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
using static QwenVk.Reference.KernelChecks.CheckData;

namespace QwenVk.Reference.KernelChecks;

public static class SoftmaxCheck
{
    public static double[] Reference(double[] x, int cols)
    {
        var y = new double[x.Length];
        for (int r = 0; r < x.Length / cols; r++)
        {
            var row = x.AsSpan(r * cols, cols);
            double max = double.NegativeInfinity;
            foreach (var v in row) max = Math.Max(max, v);
            double sum = 0;
            foreach (var v in row) sum += Math.Exp(v - max);
            for (int c = 0; c < cols; c++) y[r * cols + c] = Math.Exp(row[c] - max) / sum;
        }
        return y;
    }

    static readonly (int Rows, int Cols)[] Shapes = [(1, 37), (3, 151), (2, 4864), (1, 151936)];

    public static IEnumerable<KernelCheck> Cases() =>
        Shapes.Select(s => new KernelCheck("softmax", $"{s.Rows}x{s.Cols}", 1e-7, (ctx, rng) =>
        {
            var type = TensorType.Of(DType.F32, s.Rows, s.Cols);
            // Logit-like spread: exp spans ~17 orders of magnitude, and a +40 offset that an unshifted exp would
            // lose precision on.
            var x = Floats(rng, type.Elements, 20.0);
            for (int i = 0; i < x.Length; i++) x[i] += 40;
            var tx = Input(ctx, type, x, "x");
            var to = Output(ctx, type, "out");
            KernelRunner.Run(ctx, new SoftmaxKernel(), [tx], [to]);
            double e = Nmse(ReadF32(to), Reference(ToDouble(x), s.Cols));
            Free(tx, to);
            return e;
        }));
}
