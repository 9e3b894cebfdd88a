using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
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
