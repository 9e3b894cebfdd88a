namespace QwenVk.Model.Checkpoints;

/// <summary>Conversions of stored weights to FP16, rounding to nearest even (.NET's float-to-Half conversion is
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

    public static int FromSingle(ReadOnlySpan<float> source, Span<Half> destination)
    {
        int overflow = -1;
        for (int i = 0; i < source.Length; i++)
        {
            var h = (Half)source[i];
            if (Half.IsInfinity(h) && float.IsFinite(source[i]) && overflow < 0) overflow = i;
            destination[i] = h;
        }
        return overflow;
    }
}
