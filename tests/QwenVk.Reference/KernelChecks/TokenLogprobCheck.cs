using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
using static QwenVk.Reference.KernelChecks.CheckData;

namespace QwenVk.Reference.KernelChecks;

public static class TokenLogprobCheck
{
    /// <summary>log softmax(x[r])[targets[r]] in double; NaN for a target outside the row.</summary>
    public static double[] Reference(float[] x, int cols, uint[] targets)
    {
        var lp = new double[targets.Length];
        for (int r = 0; r < targets.Length; r++)
        {
            var row = x.AsSpan(r * cols, cols);
            double max = double.NegativeInfinity;
            foreach (var v in row) max = Math.Max(max, v);
            double sum = 0;
            foreach (var v in row) sum += Math.Exp(v - max);
            lp[r] = targets[r] < cols ? row[(int)targets[r]] - max - Math.Log(sum) : double.NaN;
        }
        return lp;
    }

    static uint RowMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int c = 1; c < row.Length; c++) if (row[c] > row[best]) best = c;
        return (uint)best;
    }

    /// <summary>Row shapes: odd widths, a 4864-wide row, the demo model's 8064-token vocabulary over a window of
    /// positions, Qwen's 151936-token vocabulary, and more rows than one grid dimension holds (65535 workgroups).
    /// BadTarget: one row's target is past the row, which must come back as the NaN marker.</summary>
    static readonly (int Rows, int Cols, bool BadTarget)[] Shapes =
        [(1, 37, false), (5, 151, true), (3, 4864, false), (63, 8064, false), (2, 151936, true), (66000, 5, false)];

    public static IEnumerable<KernelCheck> Cases() =>
        Shapes.Select(s => new KernelCheck("token_logprob", $"{s.Rows}x{s.Cols}{(s.BadTarget ? "-bad-target" : "")}", 1e-7, (ctx, rng) =>
        {
            var type = TensorType.Of(DType.F32, s.Rows, s.Cols);
            // Logit-like spread (exp spans ~17 orders of magnitude) on a +40 offset, as in SoftmaxCheck.
            var x = Floats(rng, type.Elements, 20.0);
            for (int i = 0; i < x.Length; i++) x[i] += 40;
            // Targets anywhere in the row, including its first and last column and its maximum.
            var targets = new uint[s.Rows];
            for (int r = 0; r < s.Rows; r++)
            {
                targets[r] = (r % 4) switch
                {
                    0 => (uint)rng.Next(s.Cols),
                    1 => 0,
                    2 => (uint)(s.Cols - 1),
                    _ => RowMax(x.AsSpan(r * s.Cols, s.Cols)),
                };
            }
            int bad = s.BadTarget ? rng.Next(s.Rows) : -1;
            if (bad >= 0) targets[bad] = (uint)(s.Cols + rng.Next(3));
            var tx = Input(ctx, type, x, "x");
            var tt = Input(ctx, TensorType.Of(DType.U32, s.Rows), targets, "targets");
            var to = Output(ctx, TensorType.Of(DType.F32, s.Rows), "out");
            KernelRunner.Run(ctx, new TokenLogprobKernel(), [tx, tt], [to]);
            var got = ReadF32(to);
            var want = Reference(x, s.Cols, targets);
            Free(tx, tt, to);
            // The bad row must hold exactly the kernels' NaN marker (common.glsl's NAN_BITS), not the poison left by
            // a missed write; the others are compared by NMSE.
            if (bad >= 0 && BitConverter.SingleToUInt32Bits(got[bad]) != 0x7FC00000u) return double.PositiveInfinity;
            var rows = Enumerable.Range(0, s.Rows).Where(r => r != bad).ToArray();
            return Nmse(rows.Select(r => got[r]).ToArray(), rows.Select(r => want[r]).ToArray());
        }));
}
