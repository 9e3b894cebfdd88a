using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
using QwenVk.Runtime.Vulkan;
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
    /// each workgroup width (64 for GPUs, 8 for CPU drivers) forced, so all are checked on any device; then decode
    /// with RoPE and the cache append taken in (<see cref="RopeKvCase"/>).</summary>
    public static IEnumerable<KernelCheck> Cases() =>
        Shapes.Select(s => Case(s, null, 0))
            .Concat(new[] { Shapes[0], Shapes[5] }.SelectMany(s => new[] { Case(s, false, 64), Case(s, true, 64), Case(s, false, 8), Case(s, true, 8) }))
            .Concat(RopeKvShapes.Select(s => RopeKvCase(s, null, 0)))
            .Concat(new[] { false, true }.SelectMany(t => new[] { RopeKvCase(RopeKvShapes[0], t, 64), RopeKvCase(RopeKvShapes[0], t, 8) }))
            .Concat(QkNormShapes.Select(s => RopeKvCase(s, null, 0, qkNorm: true)))
            .Concat(new[] { false, true }.SelectMany(t => new[] { RopeKvCase(QkNormShapes[0], t, 64, true), RopeKvCase(QkNormShapes[0], t, 8, true) }))
            .Concat(SplitCases());

    /// <summary>Split decode attention (flash decoding) followed by <see cref="AttentionMergeKernel"/>, against the
    /// same references: more splits than keys (empty splits), uneven shares, a sliding window, both load paths and
    /// workgroup widths, with rope+kv_append and the q/k norm, and past the rope table (NaN through the merge).</summary>
    static IEnumerable<KernelCheck> SplitCases() =>
        new[] { (Shapes[0], 7), (Shapes[4], 4), ((1, 4, 2, 64, 40, 20, 8, 4.0), 3) }.Select(c => Case(c.Item1, null, 0, c.Item2))
            .Concat(new[] { false, true }.SelectMany(t => new[] { Case(Shapes[0], t, 64, 5), Case(Shapes[0], t, 8, 5) }))
            .Concat(new[] { (RopeKvShapes[0], 16), (RopeKvShapes[1], 3), (RopeKvShapes[2], 4), (RopeKvShapes[4], 2) }
                .Select(c => RopeKvCase(c.Item1, null, 0, splits: c.Item2)))
            .Concat(new[] { false, true }.SelectMany(t => new[] { RopeKvCase(RopeKvShapes[0], t, 64, splits: 6), RopeKvCase(RopeKvShapes[0], t, 8, splits: 6) }))
            .Concat(new[] { RopeKvCase(QkNormShapes[0], null, 0, true, 8), RopeKvCase(QkNormShapes[1], false, 64, true, 2) });

    /// <summary>Runs the attention: directly, or with <paramref name="splits"/> &gt; 1 into partials (poisoned first)
    /// and then through the merge kernel into <paramref name="output"/>.</summary>
    static void RunAttention(VulkanContext ctx, AttentionKernel kernel, DeviceTensor[] inputs, DeviceTensor output, DeviceTensor[] alsoWritten)
    {
        if (kernel.Splits <= 1)
        {
            KernelRunner.Run(ctx, kernel, inputs, [output, .. alsoWritten]);
            return;
        }
        var partials = Output(ctx, AttentionKernel.PartialsType(output.Type[1], kernel.Splits, output.Type[2]), "partials");
        KernelRunner.Run(ctx, kernel, inputs, [partials, .. alsoWritten]);
        KernelRunner.Run(ctx, new AttentionMergeKernel(), [partials], [output]);
        Free(partials);
    }

    // Qwen2.5-0.5B decode at 511 in a 4096-row cache, the first position (only the current key), Dh 24 with 7 query
    // heads per kv head and a sliding window, Dh 128 at the last cache row, a position past the rope table.
    static readonly (int HeadsQ, int HeadsKv, int HeadDim, int CacheRows, int Start, int Window, int Positions)[] RopeKvShapes =
    [
        (14, 2, 64, 4096, 511, 0, 4096), (4, 2, 64, 16, 0, 0, 16), (7, 1, 24, 40, 30, 8, 40), (4, 4, 128, 200, 199, 0, 200),
        (2, 1, 64, 64, 50, 0, 50),
    ];

    // With Qwen3's q/k RMSNorm: Qwen3-0.6B decode (16 q heads over 8 kv heads, Dh 128) at 511, Qwen3-tiny's Dh 24
    // (storage loads on every device) at the first position, a position past the rope table.
    static readonly (int HeadsQ, int HeadsKv, int HeadDim, int CacheRows, int Start, int Window, int Positions)[] QkNormShapes =
    [
        (16, 8, 128, 4096, 511, 0, 4096), (4, 2, 24, 16, 0, 0, 16), (2, 1, 64, 64, 50, 0, 50),
    ];

    /// <summary>Attention with RoPE of q and k and the append of this step's key and value: against RoPE's reference
    /// (angles in double), the fp16 rounding of key and value, and the plain attention reference over the cache with
    /// the new row in it. The caches' other rows (random below the position, poison above) must come back bit for bit
    /// unchanged. A position past the rope table must give NaN and leave the caches alone. With
    /// <paramref name="qkNorm"/>, q and k heads are first RMS-normalized with random weights (RMSNorm's reference).</summary>
    static KernelCheck RopeKvCase((int HeadsQ, int HeadsKv, int HeadDim, int CacheRows, int Start, int Window, int Positions) s, bool? texel, int workgroup,
        bool qkNorm = false, int splits = 1) =>
        new KernelCheck("attention",
            $"1x({s.HeadsQ}+{s.HeadsKv})x{s.HeadDim}@{s.Start}{(qkNorm ? "+qk_norm" : "")}+rope+kv_append-cache{s.CacheRows}{(s.Window > 0 ? $"-window{s.Window}" : "")}"
            + (s.Positions <= s.Start ? "-past-table" : "")
            + (texel is { } t ? (t ? "-texel" : "-storage") : "") + (workgroup > 0 ? $"-wg{workgroup}" : "") + (splits > 1 ? $"-split{splits}" : ""), 1e-6, (ctx, rng) =>
        {
            int heads = s.HeadsQ + s.HeadsKv, dh = s.HeadDim;
            float scale = 1f / MathF.Sqrt(dh);
            var qkType = TensorType.Of(DType.F32, 1, heads, dh);
            var vType = TensorType.Of(DType.F32, 1, s.HeadsKv, dh);
            var outType = TensorType.Of(DType.F32, 1, s.HeadsQ, dh);
            var cacheType = TensorType.Of(DType.F16, s.HeadsKv, s.CacheRows, dh);
            var table = RopeTable.Build(s.Positions, RopeTable.InverseFrequencies(dh, 1e6), 1.0);
            var qk = Floats(rng, qkType.Elements, 4.0);
            var v = Floats(rng, vType.Elements, 4.0);
            var (kh, k) = Cache(rng, s.HeadsKv, s.CacheRows, dh, s.Start);
            var (vh, vExact) = Cache(rng, s.HeadsKv, s.CacheRows, dh, s.Start);
            var kBits = Array.ConvertAll(kh, BitConverter.HalfToUInt16Bits);
            var vBits = Array.ConvertAll(vh, BitConverter.HalfToUInt16Bits);
            var tqk = Input(ctx, qkType, qk, "qk");
            var tk = Input(ctx, cacheType, kh, "kCache");
            var tvc = Input(ctx, cacheType, vh, "vCache");
            var ts = Input(ctx, TensorType.Of(DType.U32, 1), new uint[] { (uint)s.Start }, "step");
            var tt = Input(ctx, TensorType.Of(DType.F32, s.Positions, dh / 2, 2), table, "table");
            var tv = Input(ctx, vType, v, "v");
            var to = Output(ctx, outType, "out");
            const float eps = 1e-6f;
            var normType = TensorType.Of(DType.F16, dh);
            var (qwh, qw) = Halfs(rng, dh, 2.0);
            var (kwh, kw) = Halfs(rng, dh, 2.0);
            DeviceTensor[] norms = qkNorm ? [Input(ctx, normType, qwh, "q_norm"), Input(ctx, normType, kwh, "k_norm")] : [];
            RunAttention(ctx, new AttentionKernel(scale, s.Window, texel, workgroup, ropeKv: true, qkNormEps: qkNorm ? eps : null, splits: splits),
                [tqk, tk, tvc, ts, tt, tv, .. norms], to, [tk, tvc]);
            var gotK = tk.Buffer.Read<ushort>((int)cacheType.Elements);
            var gotV = tvc.Buffer.Read<ushort>((int)cacheType.Elements);
            var got = ReadF32(to);
            Free([tqk, tk, tvc, ts, tt, tv, to, .. norms]);

            bool pastTable = s.Start >= s.Positions;
            // The caches as they should be: row Start of each kv head holds the rotated key and v in fp16 (nothing is
            // written past the rope table); every other element holds what it held before, bit for bit.
            var unrotated = ToDouble(qk);
            if (qkNorm)
                unrotated = [.. RmsNormCheck.Reference(unrotated[..(s.HeadsQ * dh)], dh, eps, qw),
                             .. RmsNormCheck.Reference(unrotated[(s.HeadsQ * dh)..], dh, eps, kw)];
            var rotated = RopeCheck.Reference(unrotated, heads, dh, s.Start, 1e6, 1.0);
            var keys = pastTable ? [] : Enumerable.Range(s.HeadsQ * dh, s.HeadsKv * dh).Select(i => (float)rotated[i]).ToArray();
            var values = pastTable ? [] : v;
            var wantK = KvAppendCheck.Reference(keys, s.HeadsKv, dh, s.CacheRows, s.Start);
            var wantV = KvAppendCheck.Reference(values, s.HeadsKv, dh, s.CacheRows, s.Start);
            double caches = Math.Max(KvAppendCheck.Compare(gotK, wantK, i => kBits[i]), KvAppendCheck.Compare(gotV, wantV, i => vBits[i]));
            if (pastTable) return got.All(float.IsNaN) ? caches : double.PositiveInfinity;
            // Attention over the caches with the new row in them.
            for (int i = 0; i < wantK.Length; i++)
                if (!double.IsNaN(wantK[i]))
                {
                    k[i] = wantK[i];
                    vExact[i] = wantV[i];
                }
            var q = new float[s.HeadsQ * dh];
            for (int i = 0; i < q.Length; i++) q[i] = (float)rotated[i];
            var want = Reference(q, k, vExact, 1, s.HeadsQ, s.HeadsKv, dh, s.CacheRows, s.Start, scale, s.Window);
            return Math.Max(caches, Nmse(got, want));
        });

    static KernelCheck Case((int Tokens, int HeadsQ, int HeadsKv, int HeadDim, int CacheRows, int Start, int Window, double QScale) s, bool? texel, int workgroup,
        int splits = 1) =>
        new KernelCheck("attention",
            $"{s.Tokens}x{s.HeadsQ}/{s.HeadsKv}x{s.HeadDim}@{s.Start}{(s.Window > 0 ? $"-window{s.Window}" : "")}-q{s.QScale}"
            + (texel is { } t ? (t ? "-texel" : "-storage") : "") + (workgroup > 0 ? $"-wg{workgroup}" : "") + (splits > 1 ? $"-split{splits}" : ""), 1e-6, (ctx, rng) =>
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
            var ts = Input(ctx, TensorType.Of(DType.U32, 1), new uint[] { (uint)s.Start }, "step");
            var to = Output(ctx, qType, "out");
            RunAttention(ctx, new AttentionKernel(scale, s.Window, texel, workgroup, splits: splits), [tq, tk, tv, ts], to, []);
            var want = Reference(q, k, v, s.Tokens, s.HeadsQ, s.HeadsKv, s.HeadDim, s.CacheRows, s.Start, scale, s.Window);
            double e = Nmse(ReadF32(to), want);
            Free(tq, tk, tv, ts, to);
            return e;
        });
}
