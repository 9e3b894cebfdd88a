namespace QwenVk.Tools.Checkpoints;

/// <summary>The maker's own float-to-storage conversions (independent of the loader's), round to nearest even.</summary>
static class MakerEncoding
{
    public static int Size(MakerDType d) => d == MakerDType.F32 ? 4 : 2;

    public static string SafeTensorsName(MakerDType d) => d switch
    {
        MakerDType.BF16 => "BF16",
        MakerDType.F16 => "F16",
        _ => "F32",
    };

    public static string TorchName(MakerDType d) => d switch
    {
        MakerDType.BF16 => "bfloat16",
        MakerDType.F16 => "float16",
        _ => "float32",
    };

    public static ushort ToBFloat16Bits(float f)
    {
        uint bits = BitConverter.SingleToUInt32Bits(f);
        if (float.IsNaN(f)) return (ushort)((bits >> 16) | 0x40);
        uint roundingBias = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }

    public static float FromBFloat16Bits(ushort b) => BitConverter.UInt32BitsToSingle((uint)b << 16);

    /// <summary>Rounds a value to what the dtype stores, returned as float (exact for all three dtypes).</summary>
    public static float Quantize(double v, MakerDType d) => d switch
    {
        MakerDType.BF16 => FromBFloat16Bits(ToBFloat16Bits((float)v)),
        MakerDType.F16 => (float)(Half)v,
        _ => (float)v,
    };

    public static void Write(ReadOnlySpan<float> values, MakerDType d, Span<byte> dst)
    {
        for (int i = 0; i < values.Length; i++)
        {
            switch (d)
            {
                case MakerDType.BF16:
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(dst[(2 * i)..], ToBFloat16Bits(values[i]));
                    break;
                case MakerDType.F16:
                    System.Buffers.Binary.BinaryPrimitives.WriteHalfLittleEndian(dst[(2 * i)..], (Half)values[i]);
                    break;
                default:
                    System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(dst[(4 * i)..], values[i]);
                    break;
            }
        }
    }
}
