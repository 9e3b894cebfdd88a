using System.Runtime.InteropServices;
using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
using QwenVk.Runtime.Quantization;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Reference.KernelChecks;

/// <summary>Random inputs, poisoned outputs, uploads and the NMSE measure shared by the kernel checks.</summary>
public static class CheckData
{
    /// <summary>Quiet NaN in both fp32 and (twice) fp16: any element a kernel forgets to write stays NaN and
    /// makes the NMSE NaN, which fails every tolerance.</summary>
    public const uint Poison = 0x7FC07E00;

    public static float[] Floats(Random rng, long n, double scale = 1.0)
    {
        var a = new float[n];
        for (long i = 0; i < n; i++) a[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        return a;
    }

    /// <summary>Random fp16 values; the double array holds exactly the values the GPU sees.</summary>
    public static (Half[] Half, double[] Exact) Halfs(Random rng, long n, double scale = 1.0)
    {
        var h = new Half[n];
        var d = new double[n];
        for (long i = 0; i < n; i++)
        {
            h[i] = (Half)((rng.NextDouble() * 2 - 1) * scale);
            d[i] = (double)h[i];
        }
        return (h, d);
    }

    /// <summary>A random weight [rows, K] in format <paramref name="t"/>: the bytes the GPU gets and the values they
    /// stand for (exact: fp16 values, or llama.cpp's dequantization of the quantized blocks).</summary>
    public sealed record WeightData(TensorType Type, byte[] Bytes, float[] Values);

    /// <summary>fp16: uniform values; q8_0 / q4_0: uniform floats quantized with llama.cpp's reference quantizer, with
    /// a few blocks scaled up or down 30-fold so the per-block scales differ (a kernel using one scale per row, or
    /// the wrong block's, fails).</summary>
    public static WeightData Weights(Random rng, DType t, int rows, int k, double scale = 1.0)
    {
        var type = TensorType.Of(t, rows, k);
        if (t == DType.F16)
        {
            var h = Halfs(rng, (long)rows * k, scale).Half;
            return new(type, MemoryMarshal.AsBytes(h.AsSpan()).ToArray(), Array.ConvertAll(h, v => (float)v));
        }
        if (t.HasZeros()) return ZeroPointWeights(rng, t, rows, k, scale);
        var f = Floats(rng, (long)rows * k, scale);
        for (int b = 0; b < f.Length / 32; b++)
        {
            int pick = rng.Next(8);
            float s = pick == 0 ? 30f : pick == 1 ? 1 / 30f : 1f;
            for (int i = 0; i < 32; i++) f[b * 32 + i] *= s;
        }
        var packed = new byte[type.Bytes];
        QuantizedLayout.Quantize(t, f, rows, k, packed);
        return new(type, packed, QuantizedLayout.Dequantize(t, packed, rows, k));
    }

    /// <summary>Random q4_z / q8_z weights: every quant and zero drawn over the format's whole unsigned range, scales
    /// spread like the ggml cases' (some blocks 30x larger or smaller), so each value is about <paramref name="scale"/>.</summary>
    static WeightData ZeroPointWeights(Random rng, DType t, int rows, int k, double scale)
    {
        int max = t == DType.Q8_Z ? 255 : 15;
        var type = TensorType.Of(t, rows, k);
        var packed = new byte[type.Bytes];
        int seed = rng.Next();
        QuantizedLayout.PackZeroPoint(t, rows, k, (row, q, d, z) =>
        {
            var r = new Random(seed + row);  // rows are packed in parallel: each its own stream
            for (int i = 0; i < q.Length; i++) q[i] = (byte)r.Next(max + 1);
            for (int b = 0; b < d.Length; b++)
            {
                int pick = r.Next(8);
                double s = pick == 0 ? 30 : pick == 1 ? 1 / 30.0 : 1;
                d[b] = (Half)(scale * s * (0.5 + r.NextDouble()) * 2 / max);
                z[b] = (Half)r.Next(max + 1);
            }
        }, packed);
        return new(type, packed, QuantizedLayout.Dequantize(t, packed, rows, k));
    }

    public static double[] ToDouble(float[] a) => Array.ConvertAll(a, x => (double)x);

    public static DeviceTensor Input<T>(VulkanContext ctx, TensorType type, T[] data, string name) where T : unmanaged
    {
        var t = DeviceTensor.Create(ctx, type, name);
        t.Buffer.Upload<T>(data);
        return t;
    }

    public static DeviceTensor Output(VulkanContext ctx, TensorType type, string name)
    {
        var t = DeviceTensor.Create(ctx, type, name);
        t.Buffer.Fill(Poison);
        return t;
    }

    public static float[] ReadF32(DeviceTensor t) => t.Buffer.Read<float>((int)t.Type.Elements);
    public static uint[] ReadU32(DeviceTensor t) => t.Buffer.Read<uint>((int)t.Type.Elements);

    /// <summary>Normalized mean squared error: sum((a-b)^2) / sum(b^2). NaN anywhere gives NaN.</summary>
    public static double Nmse(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected)
    {
        if (actual.Length != expected.Length) throw new ArgumentException($"length {actual.Length} != {expected.Length}");
        double num = 0, den = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double d = actual[i] - expected[i];
            num += d * d;
            den += expected[i] * expected[i];
        }
        if (double.IsNaN(num) || double.IsInfinity(num)) return double.NaN;
        return den == 0 ? num : num / den;
    }

    /// <summary>Disposes every tensor's buffer after a check.</summary>
    public static void Free(params DeviceTensor[] tensors)
    {
        foreach (var t in tensors) t.Buffer.Dispose();
    }
}
