using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
using static QwenVk.Reference.KernelChecks.CheckData;

namespace QwenVk.Reference.KernelChecks;

public static class ArgmaxCheck
{
    /// <summary>First index of each row's maximum.</summary>
    public static uint[] Reference(float[] x, int cols)
    {
        var idx = new uint[x.Length / cols];
        for (int r = 0; r < idx.Length; r++)
        {
            int best = 0;
            for (int c = 1; c < cols; c++)
                if (x[r * cols + c] > x[r * cols + best]) best = c;
            idx[r] = (uint)best;
        }
        return idx;
    }

    /// <summary>Ties, all after a first copy at column a so that a is the answer: copies at a + 256 and a + 512
    /// (the same invocation as a for workgroups of 8 to 256, with storage or 4-float texel loads: its own scan must
    /// keep the first), at a + 1 (the same texel when a % 4 &lt; 3) and at 1..4 random later columns (other
    /// invocations, some with a lower invocation index than a's).</summary>
    static void PlantTies(Random rng, float[] x, int cols, float value)
    {
        for (int r = 0; r < x.Length / cols; r++)
        {
            int a = rng.Next(Math.Max(1, cols - 600));
            for (int c = a; c < cols && c <= a + 512; c += 256) x[r * cols + c] = value;
            if (a + 1 < cols) x[r * cols + a + 1] = value;
            int copies = rng.Next(1, 5);
            for (int k = 0; k < copies; k++) x[r * cols + rng.Next(a, cols)] = value;
        }
    }

    // The last case has more rows than one grid dimension holds (65535 workgroups).
    static readonly (int Rows, int Cols, bool Ties, bool Negative)[] Shapes =
        [(1, 37, false, false), (5, 151, true, false), (4, 67, false, true), (3, 4864, true, false),
         (5, 148, true, false), (2, 151936, true, false), (1, 151936, false, true), (66000, 5, false, false)];

    // Error = number of rows whose index differs from the reference: any mismatch fails.
    // Every shape through storage loads, and through texel loads where rows are whole texels (4 floats).
    public static IEnumerable<KernelCheck> Cases() =>
        from s in Shapes
        from texel in s.Cols % 4 == 0 ? new[] { false, true } : [false]
        select new KernelCheck("argmax",
            $"{s.Rows}x{s.Cols}{(s.Ties ? "-ties" : "")}{(s.Negative ? "-negative" : "")}-{(texel ? "texel" : "storage")}", 0, (ctx, rng) =>
        {
            var type = TensorType.Of(DType.F32, s.Rows, s.Cols);
            var x = Floats(rng, type.Elements);
            if (s.Negative) for (int i = 0; i < x.Length; i++) x[i] = x[i] - 3;
            if (s.Ties) PlantTies(rng, x, s.Cols, 1.5f);
            var tx = Input(ctx, type, x, "x");
            var to = Output(ctx, TensorType.Of(DType.U32, s.Rows), "out");
            KernelRunner.Run(ctx, new ArgmaxKernel(texel), [tx], [to]);
            var got = ReadU32(to);
            var want = Reference(x, s.Cols);
            Free(tx, to);
            return got.Zip(want).Count(p => p.First != p.Second);
        });
}
