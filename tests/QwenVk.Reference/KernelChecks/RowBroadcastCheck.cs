using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
using static QwenVk.Reference.KernelChecks.CheckData;

namespace QwenVk.Reference.KernelChecks;

public static class RowBroadcastCheck
{
    public static double[] Reference(double[] x, double[] v, BroadcastOp op) =>
        x.Select((a, i) => op == BroadcastOp.Add ? a + v[i % v.Length] : a * v[i % v.Length]).ToArray();

    static readonly (int Rows, int Cols)[] Shapes = [(1, 37), (5, 151), (3, 896), (2, 4864)];

    public static IEnumerable<KernelCheck> Cases() =>
        from op in new[] { BroadcastOp.Add, BroadcastOp.Mul }
        from s in Shapes
        select new KernelCheck("row_broadcast", $"{op.ToString().ToLowerInvariant()}-{s.Rows}x{s.Cols}", 1e-7, (ctx, rng) =>
        {
            var type = TensorType.Of(DType.F32, s.Rows, s.Cols);
            var x = Floats(rng, type.Elements);
            var (vh, v) = Halfs(rng, s.Cols, 2.0);
            var tx = Input(ctx, type, x, "x");
            var tv = Input(ctx, TensorType.Of(DType.F16, s.Cols), vh, "v");
            var to = Output(ctx, type, "out");
            KernelRunner.Run(ctx, new RowBroadcastKernel(op), [tx, tv], [to]);
            double e = Nmse(ReadF32(to), Reference(ToDouble(x), v, op));
            Free(tx, tv, to);
            return e;
        });
}
