using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
using static QwenVk.Reference.KernelChecks.CheckData;

namespace QwenVk.Reference.KernelChecks;

public static class AttentionCheck
{
    /// <summary>Causal GQA softmax attention in double over the caches as the GPU sees them (fp16 values).</summary>
    public static double[] Reference(float[] q, double[] k, double[] v, int tokens, int headsQ, int headsKv,
        int headDim, int cacheRows, int start, double scale, int window)
    {
        var y = new double[q.Length];
        int group = headsQ / headsKv;
        for (int n = 0; n < tokens; n++)
            for (int h = 0; h < headsQ; h++)
            {
                int p = start + n;
                int lo = window > 0 ? Math.Max(0, p - window + 1) : 0;
                long kv = (long)(h / group) * cacheRows;
                int qb = (n * headsQ + h) * headDim;
                var scores = new double[p - lo + 1];
                for (int j = lo; j <= p; j++)
                {
                    double s = 0;
                    for (int d = 0; d < headDim; d++) s += q[qb + d] * k[(kv + j) * headDim + d];
                    scores[j - lo] = s * scale;
                }
                double max = scores.Max();
                double sum = scores.Sum(s => Math.Exp(s - max));
                for (int j = lo; j <= p; j++)
                {
                    double w = Math.Exp(scores[j - lo] - max) / sum;
                    for (int d = 0; d < headDim; d++) y[qb + d] += w * v[(kv + j) * headDim + d];
                }
            }
        return y;
    }

    /// <summary>Random fp16 in cache rows [0, filled), NaN poison in rows a causal kernel must never read.</summary>
    static (Half[] Half, double[] Exact) Cache(Random rng, int heads, int cacheRows, int headDim, int filled)
    {
        var (h, d) = Halfs(rng, (long)heads * cacheRows * headDim);
        for (int kh = 0; kh < heads; kh++)
            for (long i = ((long)kh * cacheRows + filled) * headDim; i < (long)(kh + 1) * cacheRows * headDim; i++)
            {
                h[i] = BitConverter.UInt16BitsToHalf((ushort)(Poison & 0xFFFF));
                d[i] = double.NaN;
            }
        return (h, d);
    }

    // Qwen2.5-0.5B decode and prefill (14 q heads over 2 kv heads, Dh 64), Qwen3-tiny's Dh 24, Dh 128 without
    // grouping, 7 q heads per kv head on a one-key context, a sliding window, a longer context with a peaky softmax.
    static readonly (int Tokens, int HeadsQ, int HeadsKv, int HeadDim, int CacheRows, int Start, int Window, double QScale)[] Shapes =
    [
        (1, 14, 2, 64, 1100, 1000, 0, 4), (37, 14, 2, 64, 50, 0, 0, 4), (5, 4, 2, 24, 16, 5, 0, 4),
        (3, 2, 2, 128, 200, 100, 0, 4), (1, 7, 1, 64, 8, 0, 0, 4), (9, 4, 2, 64, 40, 20, 8, 4),
        (4, 14, 2, 64, 2100, 2000, 0, 16),
    ];

    /// <summary>Every shape as the device prefers, and two with each load path (storage buffers, texel buffers) and
    /// each workgroup width (64 for GPUs, 8 for CPU drivers) forced, so all are checked on any device.</summary>
    public static IEnumerable<KernelCheck> Cases() =>
        Shapes.Select(s => Case(s, null, 0))
            .Concat(new[] { Shapes[0], Shapes[5] }.SelectMany(s => new[] { Case(s, false, 64), Case(s, true, 64), Case(s, false, 8), Case(s, true, 8) }));

    static KernelCheck Case((int Tokens, int HeadsQ, int HeadsKv, int HeadDim, int CacheRows, int Start, int Window, double QScale) s, bool? texel, int workgroup) =>
        new KernelCheck("attention",
            $"{s.Tokens}x{s.HeadsQ}/{s.HeadsKv}x{s.HeadDim}@{s.Start}{(s.Window > 0 ? $"-window{s.Window}" : "")}-q{s.QScale}"
            + (texel is { } t ? (t ? "-texel" : "-storage") : "") + (workgroup > 0 ? $"-wg{workgroup}" : ""), 1e-6, (ctx, rng) =>
        {
            float scale = 1f / MathF.Sqrt(s.HeadDim);
            var qType = TensorType.Of(DType.F32, s.Tokens, s.HeadsQ, s.HeadDim);
            var cacheType = TensorType.Of(DType.F16, s.HeadsKv, s.CacheRows, s.HeadDim);
            int filled = s.Start + s.Tokens;
            var q = Floats(rng, qType.Elements, s.QScale);
            var (kh, k) = Cache(rng, s.HeadsKv, s.CacheRows, s.HeadDim, filled);
            var (vh, v) = Cache(rng, s.HeadsKv, s.CacheRows, s.HeadDim, filled);
            var tq = Input(ctx, qType, q, "q");
            var tk = Input(ctx, cacheType, kh, "kCache");
            var tv = Input(ctx, cacheType, vh, "vCache");
            var ts = Input(ctx, TensorType.Of(DType.U32, 4), new uint[] { (uint)s.Start, 0, 0, 0 }, "step");
            var to = Output(ctx, qType, "out");
            KernelRunner.Run(ctx, new AttentionKernel(scale, s.Window, texel, workgroup), [tq, tk, tv, ts], [to]);
            var want = Reference(q, k, v, s.Tokens, s.HeadsQ, s.HeadsKv, s.HeadDim, s.CacheRows, s.Start, scale, s.Window);
            double e = Nmse(ReadF32(to), want);
            Free(tq, tk, tv, ts, to);
            return e;
        });
}
