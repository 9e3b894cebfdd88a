using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
using static QwenVk.Reference.KernelChecks.CheckData;

namespace QwenVk.Reference.KernelChecks;

public static class SiluMulCheck
{
    public static double[] Reference(double[] gate, double[] up) =>
        gate.Select((g, i) => g / (1 + Math.Exp(-g)) * up[i]).ToArray();

    static readonly (int Rows, int Cols)[] Shapes = [(1, 37), (3, 151), (5, 4864)];

    public static IEnumerable<KernelCheck> Cases() =>
        Shapes.Select(s => new KernelCheck("silu_mul", $"{s.Rows}x{s.Cols}", 1e-7, (ctx, rng) =>
        {
            var type = TensorType.Of(DType.F32, s.Rows, s.Cols);
            // Gates out to +-30 reach both saturated tails of the sigmoid.
            var gate = Floats(rng, type.Elements, 30.0);
            var up = Floats(rng, type.Elements, 2.0);
            var tg = Input(ctx, type, gate, "gate");
            var tu = Input(ctx, type, up, "up");
            var to = Output(ctx, type, "out");
            KernelRunner.Run(ctx, new SiluMulKernel(), [tg, tu], [to]);
            double e = Nmse(ReadF32(to), Reference(ToDouble(gate), ToDouble(up)));
            Free(tg, tu, to);
            return e;
        }));
}
