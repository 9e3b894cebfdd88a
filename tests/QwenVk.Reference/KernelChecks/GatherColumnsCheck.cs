using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
using static QwenVk.Reference.KernelChecks.CheckData;

namespace QwenVk.Reference.KernelChecks;

public static class GatherColumnsCheck
{
    public static double[] Reference(double[] x, int k, uint[] perm) =>
        Enumerable.Range(0, x.Length).Select(i => x[i / k * k + (int)perm[i % k]]).ToArray();

    public static IEnumerable<KernelCheck> Cases() =>
        new (int rows, int k)[] { (1, 896), (3, 96), (77, 160), (1, 4864), (9, 37) }
            .Select(c => new KernelCheck("gather_columns", $"x[{c.rows},{c.k}]", 1e-7, (ctx, rng) =>
            {
                var x = Floats(rng, (long)c.rows * c.k);
                var perm = Enumerable.Range(0, c.k).Select(i => (uint)i).ToArray();
                rng.Shuffle(perm);
                var tx = Input(ctx, TensorType.Of(DType.F32, c.rows, c.k), x, "x");
                var tp = Input(ctx, TensorType.Of(DType.U32, c.k), perm, "perm");
                var to = Output(ctx, TensorType.Of(DType.F32, c.rows, c.k), "out");
                KernelRunner.Run(ctx, new GatherColumnsKernel(), [tx, tp], [to]);
                double e = Nmse(ReadF32(to), Reference(ToDouble(x), c.k, perm));
                Free(tx, tp, to);
                return e;
            }));
}
