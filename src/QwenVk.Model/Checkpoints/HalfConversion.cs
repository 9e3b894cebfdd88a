using System.Numerics.Tensors;

namespace QwenVk.Model.Checkpoints;

/// <summary>Conversions of stored weights to FP16 (and, exactly, to float32), rounding to nearest even (.NET's float-to-Half conversion is
/// correctly rounded; BF16-to-float is exact, so BF16 is rounded once).</summary>
static class HalfConversion
{
    /// <summary>Converts and returns the index of the first finite value that overflowed FP16, or -1.</summary>
    public static int FromBFloat16(ReadOnlySpan<ushort> source, Span<Half> destination)
    {
        int overflow = -1;
        for (int i = 0; i < source.Length; i++)
        {
            float f = BitConverter.Int32BitsToSingle(source[i] << 16);
            var h = (Half)f;
            if (Half.IsInfinity(h) && float.IsFinite(f) && overflow < 0) overflow = i;
            destination[i] = h;
        }
        return overflow;
    }

    /// <summary>Vectorized (TensorPrimitives): the RMSNorm fold converts every q/k/v and gate/up weight through here,
    /// which scalar conversion made the slow part of loading an F16 checkpoint.</summary>
    public static int FromSingle(ReadOnlySpan<float> source, Span<Half> destination)
    {
        TensorPrimitives.ConvertToHalf(source, destination[..source.Length]);
        // Finite values from 65520 up round to infinity; NaN makes MaxMagnitude NaN and the test false.
        if (!(TensorPrimitives.MaxMagnitude(source) >= 65520f)) return -1;
        for (int i = 0; i < source.Length; i++)
            if (Half.IsInfinity(destination[i]) && float.IsFinite(source[i])) return i;
        return -1;
    }

    /// <summary>Index of the first NaN or infinity, or -1: a vector pass over the exponent bits (all ones in both).</summary>
    public static int FirstNonFinite(ReadOnlySpan<Half> values)
    {
        var bits = System.Runtime.InteropServices.MemoryMarshal.Cast<Half, ushort>(values);
        var exponent = new System.Numerics.Vector<ushort>(0x7C00);
        int i = 0;
        for (; i <= bits.Length - System.Numerics.Vector<ushort>.Count; i += System.Numerics.Vector<ushort>.Count)
        {
            var v = new System.Numerics.Vector<ushort>(bits[i..]);
            if (System.Numerics.Vector.EqualsAny(v & exponent, exponent)) break;
        }
        for (; i < bits.Length; i++)
            if ((bits[i] & 0x7C00) == 0x7C00) return i;
        return -1;
    }

    public static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        if (float.IsFinite(TensorPrimitives.Sum(values) * 0f)) return -1;
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }

    /// <summary>Widens stored values (F16, BF16, F32) to float32, exactly.</summary>
    public static void ToSingle(SafeTensorsDType dtype, ReadOnlySpan<byte> bytes, Span<float> destination)
    {
        switch (dtype)
        {
            case SafeTensorsDType.F32:
                System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).CopyTo(destination);
                break;
            case SafeTensorsDType.F16:
                TensorPrimitives.ConvertToSingle(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(bytes), destination);
                break;
            case SafeTensorsDType.BF16:
                var b = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(bytes);
                for (int i = 0; i < b.Length; i++) destination[i] = BitConverter.Int32BitsToSingle(b[i] << 16);
                break;
            default:
                throw new InvalidOperationException(dtype.ToString());
        }
    }
}
