using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
using static QwenVk.Reference.KernelChecks.CheckData;

namespace QwenVk.Reference.KernelChecks;

public static class SiluMulCheck
{
    public static double[] Reference(double[] gate, double[] up) =>
        gate.Select((g, i) => g / (1 + Math.Exp(-g)) * up[i]).ToArray();

    static readonly (int Rows, int Cols)[] Shapes = [(1, 37), (3, 151), (5, 4864)];

    public static IEnumerable<KernelCheck> Cases() => Plain().Concat(Stacked());

    /// <summary>The stacked gate/up layout (<see cref="SiluMulKernel.StackedBlockRows"/>), written from its
    /// definition: where output j's gate sits among the 2M stacked rows (columns); its up sits one block further.</summary>
    public static int StackedGate(int j) => j / SiluMulKernel.StackedBlockRows * 2 * SiluMulKernel.StackedBlockRows + j % SiluMulKernel.StackedBlockRows;

    /// <summary>The stacked form: gate/up [rows, 2M] in alternating column blocks (SiluMulKernel.StackedBlockRows).</summary>
    static IEnumerable<KernelCheck> Stacked() =>
        new (int Rows, int Cols)[] { (1, 8), (3, 152), (5, 4864) }.Select(s => new KernelCheck("silu_mul", $"{s.Rows}x{s.Cols} stacked", 1e-7, (ctx, rng) =>
        {
            var gu = Floats(rng, 2L * s.Rows * s.Cols, 30.0);
            var gate = new double[s.Rows * s.Cols];
            var up = new double[s.Rows * s.Cols];
            for (int r = 0; r < s.Rows; r++)
                for (int c = 0; c < s.Cols; c++)
                {
                    int at = r * 2 * s.Cols + StackedGate(c);
                    gate[r * s.Cols + c] = gu[at];
                    up[r * s.Cols + c] = gu[at + SiluMulKernel.StackedBlockRows];
                }
            var tgu = Input(ctx, TensorType.Of(DType.F32, s.Rows, 2 * s.Cols), gu, "gate_up");
            var to = Output(ctx, TensorType.Of(DType.F32, s.Rows, s.Cols), "out");
            KernelRunner.Run(ctx, new SiluMulKernel(stacked: true), [tgu], [to]);
            double e = Nmse(ReadF32(to), Reference(gate, up));
            Free(tgu, to);
            return e;
        }));

    static IEnumerable<KernelCheck> Plain() =>
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
