using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
using static QwenVk.Reference.KernelChecks.CheckData;

namespace QwenVk.Reference.KernelChecks;

public static class AddCheck
{
    public static double[] Reference(double[] a, double[] b) => a.Select((x, i) => x + b[i]).ToArray();

    public static IEnumerable<KernelCheck> Cases() =>
        new[] { 1, 255, 257, 896 * 7, 17_000_001 }.Select(n => new KernelCheck("add", $"n={n}", 1e-7, (ctx, rng) =>
        {
            var type = TensorType.Of(DType.F32, n);
            var a = Floats(rng, n);
            var b = Floats(rng, n);
            var ta = Input(ctx, type, a, "a");
            var tb = Input(ctx, type, b, "b");
            var to = Output(ctx, type, "out");
            KernelRunner.Run(ctx, new AddKernel(), [ta, tb], [to]);
            double e = Nmse(ReadF32(to), Reference(ToDouble(a), ToDouble(b)));
            Free(ta, tb, to);
            return e;
        }));
}
