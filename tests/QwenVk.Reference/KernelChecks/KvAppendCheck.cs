using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
using static QwenVk.Reference.KernelChecks.CheckData;

namespace QwenVk.Reference.KernelChecks;

public static class KvAppendCheck
{
    /// <summary>The fp16 half of <see cref="CheckData.Poison"/> that a filled buffer holds at element i (the
    /// 32-bit pattern's low half at even elements, high half at odd ones).</summary>
    static ushort PoisonHalf(int i) => (ushort)(i % 2 == 0 ? Poison & 0xFFFF : Poison >> 16);

    /// <summary>The caches after the append: poison everywhere but rows start .. start + N - 1, which hold the
    /// fp16-rounded inputs. Double is NaN for a poisoned element.</summary>
    public static double[] Reference(float[] x, int heads, int headDim, int cacheRows, int start)
    {
        var cache = new double[heads * cacheRows * headDim];
        Array.Fill(cache, double.NaN);
        for (int i = 0; i < x.Length; i++)
        {
            int d = i % headDim, h = i / headDim % heads, n = i / (headDim * heads);
            cache[((long)h * cacheRows + start + n) * headDim + d] = (double)(Half)x[i];
        }
        return cache;
    }

    /// <summary>NMSE over the written rows; +infinity if any other element is not bit-for-bit what it held before:
    /// <paramref name="before"/>(i), by default the poison.</summary>
    internal static double Compare(ushort[] got, double[] want, Func<int, ushort>? before = null)
    {
        before ??= PoisonHalf;
        var written = new List<(float Got, double Want)>();
        for (int i = 0; i < got.Length; i++)
        {
            if (double.IsNaN(want[i]))
            {
                if (got[i] != before(i)) return double.PositiveInfinity;
            }
            else written.Add(((float)BitConverter.UInt16BitsToHalf(got[i]), want[i]));
        }
        return Nmse(written.Select(w => w.Got).ToArray(), written.Select(w => w.Want).ToArray());
    }

    static readonly (int Tokens, int Heads, int HeadDim, int CacheRows, int Start)[] Shapes =
        [(1, 2, 64, 40, 5), (7, 2, 24, 16, 0), (3, 1, 128, 1100, 1000), (1, 2, 64, 1001, 1000), (5, 3, 37, 9, 4)];

    // fp16 storage: round-to-nearest gives exactly the reference (NMSE 0); a device that truncates stays below
    // 1e-6; a misplaced element gives ~1 and a stray write +infinity.
    public static IEnumerable<KernelCheck> Cases() =>
        Shapes.Select(s => new KernelCheck("kv_append",
            $"{s.Tokens}x{s.Heads}x{s.HeadDim}@{s.Start}-cache{s.CacheRows}", 1e-6, (ctx, rng) =>
        {
            var inType = TensorType.Of(DType.F32, s.Tokens, s.Heads, s.HeadDim);
            var cacheType = TensorType.Of(DType.F16, s.Heads, s.CacheRows, s.HeadDim);
            var k = Floats(rng, inType.Elements, 4.0);
            var v = Floats(rng, inType.Elements, 4.0);
            var tk = Input(ctx, inType, k, "k");
            var tv = Input(ctx, inType, v, "v");
            var ts = Input(ctx, TensorType.Of(DType.U32, 1), new uint[] { (uint)s.Start }, "step");
            var tkc = Output(ctx, cacheType, "kCache");
            var tvc = Output(ctx, cacheType, "vCache");
            KernelRunner.Run(ctx, new KvAppendKernel(), [tk, tv, ts], [tkc, tvc]);
            int n = (int)cacheType.Elements;
            double ek = Compare(tkc.Buffer.Read<ushort>(n), Reference(k, s.Heads, s.HeadDim, s.CacheRows, s.Start));
            double ev = Compare(tvc.Buffer.Read<ushort>(n), Reference(v, s.Heads, s.HeadDim, s.CacheRows, s.Start));
            Free(tk, tv, ts, tkc, tvc);
            return Math.Max(ek, ev);
        }));
}
