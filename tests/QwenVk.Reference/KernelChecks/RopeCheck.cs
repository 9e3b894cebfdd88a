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

    public static IEnumerable<KernelCheck> Cases() => Plain().Concat(AppendKv());

    /// <summary>RoPE of q and k side by side [N, Hq + Hkv, Dh] that also writes the rotated keys and v into poisoned
    /// fp16 caches (<see cref="KvAppendCheck"/>'s reference and comparison): Qwen2.5-0.5B's decode step at 511, GQA
    /// with several tokens, a cache shorter than the table (rows past it dropped).</summary>
    static IEnumerable<KernelCheck> AppendKv() =>
        new (int Tokens, int HeadsQ, int HeadsKv, int HeadDim, int Start, int CacheRows)[]
            { (1, 14, 2, 64, 511, 4096), (3, 4, 2, 24, 5, 16), (4, 2, 1, 128, 1000, 1002) }.Select(s => new KernelCheck("rope",
            $"{s.Tokens}x({s.HeadsQ}+{s.HeadsKv})x{s.HeadDim}@{s.Start}+kv_append-cache{s.CacheRows}", 1e-6, (ctx, rng) =>
        {
            int heads = s.HeadsQ + s.HeadsKv;
            var type = TensorType.Of(DType.F32, s.Tokens, heads, s.HeadDim);
            var vType = TensorType.Of(DType.F32, s.Tokens, s.HeadsKv, s.HeadDim);
            var cacheType = TensorType.Of(DType.F16, s.HeadsKv, s.CacheRows, s.HeadDim);
            int positions = s.Start + s.Tokens + 3;
            var table = RopeTable.Build(positions, RopeTable.InverseFrequencies(s.HeadDim, 1e6), 1.0);
            var x = Floats(rng, type.Elements, 2.0);
            var v = Floats(rng, vType.Elements, 4.0);
            var tx = Input(ctx, type, x, "qk");
            var tt = Input(ctx, TensorType.Of(DType.F32, positions, s.HeadDim / 2, 2), table, "table");
            var ts = Input(ctx, TensorType.Of(DType.U32, 4), new uint[] { (uint)s.Start, 0, 0, 0 }, "step");
            var tv = Input(ctx, vType, v, "v");
            var to = Output(ctx, type, "out");
            var tkc = Output(ctx, cacheType, "kCache");
            var tvc = Output(ctx, cacheType, "vCache");
            KernelRunner.Run(ctx, new RopeKernel(appendKv: true), [tx, tt, ts, tv], [to, tkc, tvc]);
            var rotated = Reference(ToDouble(x), heads, s.HeadDim, s.Start, 1e6, 1.0);
            // The keys: the last HeadsKv heads of every token, rotated; rows past the cache are not written.
            int keep = Math.Max(0, Math.Min(s.Tokens, s.CacheRows - s.Start));
            var keys = new float[keep * s.HeadsKv * s.HeadDim];
            for (int n = 0; n < keep; n++)
                for (int h = 0; h < s.HeadsKv; h++)
                    for (int d = 0; d < s.HeadDim; d++)
                        keys[(n * s.HeadsKv + h) * s.HeadDim + d] = (float)rotated[(n * heads + s.HeadsQ + h) * s.HeadDim + d];
            int cacheElements = (int)cacheType.Elements;
            double eo = Nmse(ReadF32(to), rotated);
            double ek = KvAppendCheck.Compare(tkc.Buffer.Read<ushort>(cacheElements), KvAppendCheck.Reference(keys, s.HeadsKv, s.HeadDim, s.CacheRows, s.Start));
            double ev = KvAppendCheck.Compare(tvc.Buffer.Read<ushort>(cacheElements),
                KvAppendCheck.Reference(v[..(keep * s.HeadsKv * s.HeadDim)], s.HeadsKv, s.HeadDim, s.CacheRows, s.Start));
            Free(tx, tt, ts, tv, to, tkc, tvc);
            return Math.Max(eo, Math.Max(ek, ev));
        }));

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
            var ts = Input(ctx, TensorType.Of(DType.U32, 4), new uint[] { (uint)s.Start, 0, 0, 0 }, "step");
            var to = Output(ctx, type, "out");
            KernelRunner.Run(ctx, new RopeKernel(), [tx, tt, ts], [to]);
            double e = Nmse(ReadF32(to), Reference(ToDouble(x), s.Heads, s.HeadDim, s.Start, s.Theta, s.Magnitude));
            Free(tx, tt, ts, to);
            return e;
        }));
}
