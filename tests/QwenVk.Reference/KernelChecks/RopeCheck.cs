using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
using static QwenVk.Reference.KernelChecks.CheckData;

namespace QwenVk.Reference.KernelChecks;

public static class RopeCheck
{
    /// <summary>NeoX rotate_half RoPE with the angle p / theta^(2i/Dh) computed here in double (not from the
    /// table), so the check also covers <see cref="RopeTable"/>.</summary>
    public static double[] Reference(double[] x, int heads, int headDim, int start, double theta, double magnitude)
    {
        int half = headDim / 2;
        var y = new double[x.Length];
        for (int row = 0; row < x.Length / headDim; row++)
        {
            int p = start + row / heads;
            int b = row * headDim;
            for (int i = 0; i < half; i++)
            {
                double angle = p / Math.Pow(theta, 2.0 * i / headDim);
                double c = Math.Cos(angle) * magnitude, s = Math.Sin(angle) * magnitude;
                y[b + i] = x[b + i] * c - x[b + i + half] * s;
                y[b + i + half] = x[b + i + half] * c + x[b + i] * s;
            }
        }
        return y;
    }

    // Decode at far positions (where fp32 angles would fail), prefill from 0 and 5, Qwen3-tiny's head_dim 24,
    // a YaRN-like magnitude.
    static readonly (int Tokens, int Heads, int HeadDim, int Start, double Theta, double Magnitude)[] Shapes =
        [(1, 1, 64, 0, 1e6, 1.0), (7, 3, 24, 0, 1e4, 1.0), (5, 2, 128, 5, 1e6, 1.0), (1, 14, 64, 1000, 1e6, 1.0),
         (3, 2, 64, 30000, 1e6, 1.0), (2, 5, 64, 1000, 1e4, 1.1)];

    public static IEnumerable<KernelCheck> Cases() => Plain();

    static IEnumerable<KernelCheck> Plain() =>
        Shapes.Select(s => new KernelCheck("rope",
            $"{s.Tokens}x{s.Heads}x{s.HeadDim}@{s.Start}{(s.Magnitude != 1 ? $"-mag{s.Magnitude}" : "")}", 1e-7, (ctx, rng) =>
        {
            var type = TensorType.Of(DType.F32, s.Tokens, s.Heads, s.HeadDim);
            int positions = s.Start + s.Tokens + 3;
            var table = RopeTable.Build(positions, RopeTable.InverseFrequencies(s.HeadDim, s.Theta), s.Magnitude);
            var x = Floats(rng, type.Elements, 2.0);
            var tx = Input(ctx, type, x, "x");
            var tt = Input(ctx, TensorType.Of(DType.F32, positions, s.HeadDim / 2, 2), table, "table");
            var ts = Input(ctx, TensorType.Of(DType.U32, 1), new uint[] { (uint)s.Start }, "step");
            var to = Output(ctx, type, "out");
            KernelRunner.Run(ctx, new RopeKernel(), [tx, tt, ts], [to]);
            double e = Nmse(ReadF32(to), Reference(ToDouble(x), s.Heads, s.HeadDim, s.Start, s.Theta, s.Magnitude));
            Free(tx, tt, ts, to);
            return e;
        }));
}
