using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
using static QwenVk.Reference.KernelChecks.CheckData;

namespace QwenVk.Reference.KernelChecks;

public static class CopyRowsCheck
{
    public static double[] Reference(double[] x, int width, int first, int rows) =>
        x.Skip(first * width).Take(rows * width).ToArray();

    public static IEnumerable<KernelCheck> Cases() =>
        new (int rows, int width, int first, int take)[] { (1, 1, 0, 1), (9, 37, 8, 1), (512, 896, 511, 1), (77, 151, 3, 20), (3, 4, 1, 2), (300, 1024, 7, 293) }
            .Select(c => new KernelCheck("copy_rows", $"x[{c.rows},{c.width}] rows {c.first}+{c.take}", 1e-7, (ctx, rng) =>
            {
                var x = Floats(rng, (long)c.rows * c.width);
                var tx = Input(ctx, TensorType.Of(DType.F32, c.rows, c.width), x, "x");
                var to = Output(ctx, TensorType.Of(DType.F32, c.take, c.width), "out");
                KernelRunner.Run(ctx, new CopyRowsKernel(c.first), [tx], [to]);
                double e = Nmse(ReadF32(to), Reference(ToDouble(x), c.width, c.first, c.take));
                Free(tx, to);
                return e;
            }));
}
