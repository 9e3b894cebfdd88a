using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;

namespace QwenVk.Reference.KernelBenchmarks;

/// <summary>Fills benchmark tensors with values in [-1, 1] (no NaN, infinities or denormals, which some devices,
/// CPU drivers above all, process at a different speed). A 4 MiB random block is tiled over large tensors:
/// generating a gigabyte of random numbers would take longer than the benchmark.</summary>
static class BenchFill
{
    const int BlockBytes = 4 << 20;

    public static void Random(DeviceTensor t, Random rng)
    {
        ulong size = t.Type.Bytes;
        var block = Block(t.Type.DType, (int)Math.Min(size, BlockBytes), rng);
        for (ulong at = 0; at < size; at += (ulong)block.Length)
            t.Buffer.Upload(block.AsSpan(0, (int)Math.Min((ulong)block.Length, size - at)), at);
    }

    static byte[] Block(DType dtype, int bytes, Random rng)
    {
        var block = new byte[bytes];
        switch (dtype)
        {
            case DType.F32:
                var f = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(block.AsSpan());
                for (int i = 0; i < f.Length; i++) f[i] = (float)Value(rng);
                break;
            case DType.F16:
            // Quantized weights: the fp16 values give their scales sane magnitudes; every byte is a valid quant.
            case DType.Q8_0:
            case DType.Q4_0:
            case DType.Q4_Z:
            case DType.Q8_Z:
                var h = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(block.AsSpan());
                for (int i = 0; i < h.Length; i++) h[i] = (Half)Value(rng);
                break;
                // u32 tensors are indices or outputs: zeros are always in range.
        }
        return block;
    }

    /// <summary>Uniform in [-1, 1] with magnitudes below 1e-3 raised to it: far from fp16's subnormals (6e-5).</summary>
    static double Value(Random rng)
    {
        double v = rng.NextDouble() * 2 - 1;
        return Math.Abs(v) < 1e-3 ? Math.CopySign(1e-3, v) : v;
    }
}
