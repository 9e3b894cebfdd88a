namespace QwenVk.Runtime.Quantization;

/// <summary>
/// llama.cpp's reference block quantizers, exactly (ggml-quants.c quantize_row_q8_0_ref / quantize_row_q4_0_ref), so
/// QwenVk's q8_0 and q4_0 weights are the blocks `llama-quantize --pure` writes for the same F16 tensor (a test
/// compares bytes). A block covers 32 consecutive values of a row: an fp16 scale d, then the quants in ggml's order.
/// Float arithmetic is IEEE single as in C (no fused or widened steps), rounding as roundf and (int8_t) casts do.
/// </summary>
public static class GgmlBlocks
{
    public const int BlockValues = 32;
    /// <summary>fp16 d + 32 int8 quants.</summary>
    public const int Q8_0Bytes = 2 + BlockValues;
    /// <summary>fp16 d + 16 bytes: byte j holds value j (low nibble) and value j + 16 (high nibble), each q + 8.</summary>
    public const int Q4_0Bytes = 2 + BlockValues / 2;

    public static int BlockBytes(DType t) => t switch
    {
        DType.Q8_0 => Q8_0Bytes,
        DType.Q4_0 => Q4_0Bytes,
        _ => throw new ArgumentException($"{t} is not a block-quantized type"),
    };

    /// <summary>Quantizes <paramref name="x"/> (a multiple of 32 values) into ggml blocks.</summary>
    public static void Quantize(DType type, ReadOnlySpan<float> x, Span<byte> blocks)
    {
        if (x.Length % BlockValues != 0)
            throw new ArgumentException($"{x.Length} values are not whole blocks of {BlockValues}");
        int n = x.Length / BlockValues, bytes = BlockBytes(type);
        if (blocks.Length < n * bytes) throw new ArgumentException($"{n} blocks need {n * bytes} bytes, got {blocks.Length}");
        for (int b = 0; b < n; b++)
        {
            var src = x.Slice(b * BlockValues, BlockValues);
            var dst = blocks.Slice(b * bytes, bytes);
            if (type == DType.Q8_0) Q8_0(src, dst);
            else Q4_0(src, dst);
        }
    }

    static void Q8_0(ReadOnlySpan<float> x, Span<byte> y)
    {
        float amax = 0f;
        foreach (float v in x) amax = MathF.Max(amax, MathF.Abs(v));
        float d = amax / 127f;
        float id = d != 0f ? 1f / d : 0f;
        WriteHalf(y, (Half)d);
        for (int j = 0; j < BlockValues; j++)
            y[2 + j] = unchecked((byte)(sbyte)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero));
    }

    static void Q4_0(ReadOnlySpan<float> x, Span<byte> y)
    {
        float amax = 0f, max = 0f;
        foreach (float v in x)
            if (amax < MathF.Abs(v)) { amax = MathF.Abs(v); max = v; }
        float d = max / -8f;
        float id = d != 0f ? 1f / d : 0f;
        WriteHalf(y, (Half)d);
        const int half = BlockValues / 2;
        for (int j = 0; j < half; j++)
        {
            // (int8_t)(x + 8.5f) truncates toward zero, as the C cast does.
            int q0 = Math.Min(15, (int)(x[j] * id + 8.5f));
            int q1 = Math.Min(15, (int)(x[half + j] * id + 8.5f));
            y[2 + j] = (byte)(q0 | (q1 << 4));
        }
    }

    /// <summary>The values one block stands for: fp16(d) * q (q8_0) or fp16(d) * (q - 8) (q4_0), in float as
    /// llama.cpp's dequantizers compute them.</summary>
    public static void Dequantize(DType type, ReadOnlySpan<byte> block, Span<float> values)
    {
        float d = (float)ReadHalf(block);
        if (type == DType.Q8_0)
            for (int j = 0; j < BlockValues; j++) values[j] = d * (sbyte)block[2 + j];
        else
            for (int j = 0; j < BlockValues / 2; j++)
            {
                values[j] = d * ((block[2 + j] & 0xF) - 8);
                values[j + BlockValues / 2] = d * ((block[2 + j] >> 4) - 8);
            }
    }

    static void WriteHalf(Span<byte> y, Half h) => BitConverter.TryWriteBytes(y, BitConverter.HalfToUInt16Bits(h));
    static Half ReadHalf(ReadOnlySpan<byte> b) => BitConverter.UInt16BitsToHalf(BitConverter.ToUInt16(b));
}
