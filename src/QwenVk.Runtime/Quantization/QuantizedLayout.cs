namespace QwenVk.Runtime.Quantization;

/// <summary>
/// How a block-quantized weight [rows, K] (q8_0, q4_0) lies in GPU memory, as shaders/weights.glsl reads it: rows in
/// groups of <see cref="GroupRows"/>, each group holding its rows' quants (row after row, each row its blocks' quants
/// in ggml's order) and then their fp16 scales (row after row, one per block). Why groups: a group is 16-byte aligned
/// for any K that is a multiple of 32 (8 x 1.0625 K bytes for q8_0, 8 x 0.5625 K for q4_0), so quants load as uvec4
/// and texels, and whole groups can be stacked (q/k/v one after another, gate/up interleaved in blocks of 8 rows) or
/// split into row chunks exactly as fp16 rows are. A last partial group is padded with zero rows.
/// The zero-point formats (q4_z, q8_z: GPTQ / AWQ weights) add each group's zeros after its scales, one fp16 a block
/// like the scales, so a group is 8 x 0.625 K or 8 x 1.125 K bytes, 16-byte aligned for the same K.
/// </summary>
public static class QuantizedLayout
{
    public const int GroupRows = 8;

    public static bool IsBlockQuantized(this DType t) => t is DType.Q8_0 or DType.Q4_0 or DType.Q4_Z or DType.Q8_Z;

    /// <summary>True for the formats with an fp16 zero point per block (value = d * (q - z), q unsigned).</summary>
    public static bool HasZeros(this DType t) => t is DType.Q4_Z or DType.Q8_Z;

    /// <summary>Bytes of one row's quants: K (8-bit) or K / 2 (4-bit).</summary>
    public static long QuantBytesPerRow(DType t, long k) => t is DType.Q8_0 or DType.Q8_Z ? k : k / 2;
    /// <summary>Bytes of one row's scales: an fp16 per block of 32; zeros, where a format has them, the same.</summary>
    public static long ScaleBytesPerRow(long k) => k / GgmlBlocks.BlockValues * 2;
    static long ZeroBytesPerRow(DType t, long k) => t.HasZeros() ? ScaleBytesPerRow(k) : 0;
    public static long GroupBytes(DType t, long k) => GroupRows * (QuantBytesPerRow(t, k) + ScaleBytesPerRow(k) + ZeroBytesPerRow(t, k));

    public static ulong Bytes(DType t, long rows, long k) =>
        (ulong)((rows + GroupRows - 1) / GroupRows * GroupBytes(t, k));

    /// <summary>Why a [rows, K] weight cannot be stored as <paramref name="t"/>, or null when it can.</summary>
    public static string? Unsupported(DType t, long k) =>
        k % GgmlBlocks.BlockValues != 0 ? $"{t.ToString().ToLowerInvariant()} needs rows of a multiple of {GgmlBlocks.BlockValues} values (blocks of 32); this weight's rows have {k}" : null;

    /// <summary>Quantizes float rows [rows, K] with llama.cpp's reference quantizer and lays them out for the GPU.
    /// Rows are independent, so they are spread over the host's cores (a 7B model is 7 G values).</summary>
    public static void Quantize(DType t, float[] values, int rows, int k, byte[] packed)
    {
        if ((long)rows * k > values.Length) throw new ArgumentException($"{rows} rows of {k} values are more than the {values.Length} given");
        Quantize(t, rows, k, r => values.AsSpan((int)((long)r * k), k), packed);
    }

    /// <summary>The K float values of row <paramref name="row"/> of the weight being laid out.</summary>
    public delegate ReadOnlySpan<float> FloatRow(int row);

    /// <summary>The same with each row taken from where it lies (a stack member, a row chunk, interleaved gate/up
    /// rows), so no copy of the whole weight is made to put its rows in order.</summary>
    public static void Quantize(DType t, int rows, int k, FloatRow row, byte[] packed)
    {
        const int rowsPerTask = 64;
        Parallel.For(0, (rows + rowsPerTask - 1) / rowsPerTask, chunk =>
        {
            var blocks = new byte[(long)k / GgmlBlocks.BlockValues * GgmlBlocks.BlockBytes(t)];
            for (int r = chunk * rowsPerTask; r < Math.Min(rows, (chunk + 1) * rowsPerTask); r++)
            {
                GgmlBlocks.Quantize(t, row(r), blocks);
                PackRow(t, blocks, r, k, packed);
            }
        });
        ZeroPadding(t, rows, k, packed);
    }

    /// <summary>Lays out ggml blocks (rows after rows, K / 32 blocks each) for the GPU.</summary>
    public static void Pack(DType t, ReadOnlySpan<byte> ggmlBlocks, int rows, int k, Span<byte> packed)
    {
        long rowBlockBytes = (long)k / GgmlBlocks.BlockValues * GgmlBlocks.BlockBytes(t);
        for (int r = 0; r < rows; r++) PackRow(t, ggmlBlocks.Slice((int)(r * rowBlockBytes), (int)rowBlockBytes), r, k, packed);
        ZeroPadding(t, rows, k, packed);
    }

    /// <summary>The ggml blocks of row <paramref name="row"/> of a packed weight.</summary>
    public static void UnpackRow(DType t, ReadOnlySpan<byte> packed, int row, int k, Span<byte> ggmlBlocks)
    {
        var (quants, scales) = RowOffsets(t, row, k);
        int bb = GgmlBlocks.BlockBytes(t), qb = bb - 2, blocks = k / GgmlBlocks.BlockValues;
        for (int b = 0; b < blocks; b++)
        {
            packed.Slice((int)(scales + 2 * b), 2).CopyTo(ggmlBlocks.Slice(b * bb));
            packed.Slice((int)(quants + (long)b * qb), qb).CopyTo(ggmlBlocks.Slice(b * bb + 2));
        }
    }

    /// <summary>The values a packed weight stands for, [rows, K] in float (the CPU references' input).</summary>
    public static float[] Dequantize(DType t, ReadOnlySpan<byte> packed, int rows, int k)
    {
        if (t.HasZeros()) return DequantizeZeroPoint(t, packed, rows, k);
        var values = new float[(long)rows * k];
        var blocks = new byte[(long)k / GgmlBlocks.BlockValues * GgmlBlocks.BlockBytes(t)];
        int bb = GgmlBlocks.BlockBytes(t);
        for (int r = 0; r < rows; r++)
        {
            UnpackRow(t, packed, r, k, blocks);
            for (int b = 0; b < k / GgmlBlocks.BlockValues; b++)
                GgmlBlocks.Dequantize(t, blocks.AsSpan(b * bb, bb), values.AsSpan(r * k + b * GgmlBlocks.BlockValues, GgmlBlocks.BlockValues));
        }
        return values;
    }

    /// <summary>Byte offsets of row <paramref name="row"/>'s quants and scales (the same arithmetic as
    /// shaders/weights.glsl).</summary>
    public static (long Quants, long Scales) RowOffsets(DType t, long row, long k)
    {
        long group = row / GroupRows * GroupBytes(t, k), inGroup = row % GroupRows;
        long q = QuantBytesPerRow(t, k);
        return (group + inGroup * q, group + GroupRows * q + inGroup * ScaleBytesPerRow(k));
    }

    /// <summary>Fills row <paramref name="row"/>'s unsigned quants [K], scales [K / 32] and zeros [K / 32].</summary>
    public delegate void ZeroPointRow(int row, Span<byte> quants, Span<Half> scales, Span<Half> zeros);

    /// <summary>Lays out a zero-point weight (q4_z, q8_z) [rows, K] for the GPU from its rows' quants (each below 16 or
    /// 256), scales and zeros. Rows are independent, so they are spread over the host's cores.</summary>
    public static void PackZeroPoint(DType t, int rows, int k, ZeroPointRow source, byte[] packed)
    {
        if (!t.HasZeros()) throw new ArgumentException($"{t} has no zero points");
        if (k % GgmlBlocks.BlockValues != 0) throw new ArgumentException(Unsupported(t, k));
        int blocks = k / GgmlBlocks.BlockValues;
        const int rowsPerTask = 64;
        Parallel.For(0, (rows + rowsPerTask - 1) / rowsPerTask, chunk =>
        {
            var q = new byte[k];
            var d = new Half[blocks];
            var z = new Half[blocks];
            for (int r = chunk * rowsPerTask; r < Math.Min(rows, (chunk + 1) * rowsPerTask); r++)
            {
                source(r, q, d, z);
                var (quants, scales) = RowOffsets(t, r, k);
                long zeros = ZeroOffset(t, r, k);
                var dst = packed.AsSpan((int)quants, (int)QuantBytesPerRow(t, k));
                if (t == DType.Q8_Z) q.CopyTo(dst);
                else
                    // ggml's q4_0 order within a block: byte j holds value j (low nibble) and value j + 16 (high).
                    for (int b = 0; b < blocks; b++)
                        for (int j = 0; j < 16; j++)
                            dst[b * 16 + j] = (byte)(q[b * 32 + j] & 15 | q[b * 32 + j + 16] << 4);
                System.Runtime.InteropServices.MemoryMarshal.AsBytes(d.AsSpan()).CopyTo(packed.AsSpan((int)scales));
                System.Runtime.InteropServices.MemoryMarshal.AsBytes(z.AsSpan()).CopyTo(packed.AsSpan((int)zeros));
            }
        });
        ZeroPadding(t, rows, k, packed);
    }

    /// <summary>Byte offset of row <paramref name="row"/>'s zeros (q4_z, q8_z): after its group's scales.</summary>
    public static long ZeroOffset(DType t, long row, long k) =>
        row / GroupRows * GroupBytes(t, k) + GroupRows * (QuantBytesPerRow(t, k) + ScaleBytesPerRow(k)) + row % GroupRows * ZeroBytesPerRow(t, k);

    static float[] DequantizeZeroPoint(DType t, ReadOnlySpan<byte> packed, int rows, int k)
    {
        var values = new float[(long)rows * k];
        for (int r = 0; r < rows; r++)
        {
            var (quants, scales) = RowOffsets(t, r, k);
            long zeros = ZeroOffset(t, r, k);
            for (int c = 0; c < k; c++)
            {
                int b = c / GgmlBlocks.BlockValues, j = c % GgmlBlocks.BlockValues;
                int q = t == DType.Q8_Z ? packed[(int)quants + c]
                    : (packed[(int)quants + b * 16 + j % 16] >> (j < 16 ? 0 : 4)) & 15;
                float d = (float)BitConverter.ToHalf(packed.Slice((int)scales + 2 * b, 2));
                float z = (float)BitConverter.ToHalf(packed.Slice((int)zeros + 2 * b, 2));
                values[(long)r * k + c] = d * (q - z);
            }
        }
        return values;
    }

    static void PackRow(DType t, ReadOnlySpan<byte> rowBlocks, int row, int k, Span<byte> packed)
    {
        var (quants, scales) = RowOffsets(t, row, k);
        int bb = GgmlBlocks.BlockBytes(t), qb = bb - 2;
        for (int b = 0; b < k / GgmlBlocks.BlockValues; b++)
        {
            rowBlocks.Slice(b * bb, 2).CopyTo(packed.Slice((int)(scales + 2 * b)));
            rowBlocks.Slice(b * bb + 2, qb).CopyTo(packed.Slice((int)(quants + (long)b * qb)));
        }
    }

    static void ZeroPadding(DType t, int rows, int k, Span<byte> packed)
    {
        for (int r = rows; r % GroupRows != 0; r++)
        {
            var (quants, scales) = RowOffsets(t, r, k);
            packed.Slice((int)quants, (int)QuantBytesPerRow(t, k)).Clear();
            packed.Slice((int)scales, (int)ScaleBytesPerRow(k)).Clear();
            packed.Slice((int)ZeroOffset(t, r, k), (int)ZeroBytesPerRow(t, k)).Clear();
        }
    }
}
