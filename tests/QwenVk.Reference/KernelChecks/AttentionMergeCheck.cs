using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
using static QwenVk.Reference.KernelChecks.CheckData;

namespace QwenVk.Reference.KernelChecks;

/// <summary>The merge of split decode attention on its own: random partials (running maxima far apart, so the
/// rescaling matters; one split per head that saw no key) against the merge in double. The unused two floats of each
/// partial hold poison, which must not leak into the result.</summary>
public static class AttentionMergeCheck
{
    const float NoMax = -3.0e38f;  // what an empty split's running max holds (attention_impl.glsl)

    public static double[] Reference(float[] part, int heads, int splits, int headDim)
    {
        int stride = headDim + AttentionKernel.PartialTailFloats;
        var y = new double[heads * headDim];
        for (int h = 0; h < heads; h++)
        {
            double Part(int sp, int i) => part[(h * splits + sp) * stride + i];
            double max = Enumerable.Range(0, splits).Max(sp => Part(sp, headDim));
            double total = Enumerable.Range(0, splits).Sum(sp => Part(sp, headDim + 1) * Math.Exp(Part(sp, headDim) - max));
            for (int d = 0; d < headDim; d++)
                y[h * headDim + d] = Enumerable.Range(0, splits).Sum(sp => Part(sp, d) * Math.Exp(Part(sp, headDim) - max)) / total;
        }
        return y;
    }

    // Qwen2.5-0.5B with 8 splits, Qwen2.5-7B's 28 heads of 128 with 16, one split, an odd head_dim.
    static readonly (int Heads, int Splits, int HeadDim)[] Shapes = [(14, 8, 64), (28, 16, 128), (4, 1, 64), (3, 5, 24)];

    public static IEnumerable<KernelCheck> Cases() =>
        Shapes.Select(s => new KernelCheck("attention_merge", $"{s.Heads}x{s.Splits}x{s.HeadDim}", 1e-7, (ctx, rng) =>
        {
            var type = AttentionKernel.PartialsType(s.Heads, s.Splits, s.HeadDim);
            var part = new float[type.Elements];
            int stride = type[2];
            for (int h = 0; h < s.Heads; h++)
                for (int sp = 0; sp < s.Splits; sp++)
                {
                    int b = (h * s.Splits + sp) * stride;
                    bool empty = s.Splits > 1 && sp == h % s.Splits;
                    // An online softmax's partial: acc is a sum of l-weighted values, so scale it with l.
                    float l = empty ? 0f : (float)(0.5 + rng.NextDouble() * 20);
                    for (int d = 0; d < s.HeadDim; d++) part[b + d] = empty ? 0f : l * (float)(rng.NextDouble() * 2 - 1);
                    part[b + s.HeadDim] = empty ? NoMax : (float)(rng.NextDouble() * 16 - 8);
                    part[b + s.HeadDim + 1] = l;
                    part[b + s.HeadDim + 2] = BitConverter.UInt32BitsToSingle(Poison);
                    part[b + s.HeadDim + 3] = BitConverter.UInt32BitsToSingle(Poison);
                }
            var tp = Input(ctx, type, part, "partials");
            var to = Output(ctx, TensorType.Of(DType.F32, 1, s.Heads, s.HeadDim), "out");
            KernelRunner.Run(ctx, new AttentionMergeKernel(), [tp], [to]);
            double e = Nmse(ReadF32(to), Reference(part, s.Heads, s.Splits, s.HeadDim));
            Free(tp, to);
            return e;
        }));
}
