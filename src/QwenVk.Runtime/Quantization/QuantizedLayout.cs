namespace QwenVk.Runtime.Quantization;

/// <summary>
/// How a block-quantized weight [rows, K] (q8_0, q4_0) lies in GPU memory, as shaders/weights.glsl reads it: rows in
/// groups of <see cref="GroupRows"/>, each group holding its rows' quants (row after row, each row its blocks' quants
/// in ggml's order) and then their fp16 scales (row after row, one per block). Why groups: a group is 16-byte aligned
/// for any K that is a multiple of 32 (8 x 1.0625 K bytes for q8_0, 8 x 0.5625 K for q4_0), so quants load as uvec4
/// and texels, and whole groups can be stacked (q/k/v one after another, gate/up interleaved in blocks of 8 rows) or
/// split into row chunks exactly as fp16 rows are. A last partial group is padded with zero rows.
/// </summary>
public static class QuantizedLayout
{
    public const int GroupRows = 8;

    public static bool IsBlockQuantized(this DType t) => t is DType.Q8_0 or DType.Q4_0;

    /// <summary>Bytes of one row's quants: K (q8_0) or K / 2 (q4_0).</summary>
    public static long QuantBytesPerRow(DType t, long k) => t == DType.Q8_0 ? k : k / 2;
    /// <summary>Bytes of one row's scales: an fp16 per block of 32.</summary>
    public static long ScaleBytesPerRow(long k) => k / GgmlBlocks.BlockValues * 2;
    public static long GroupBytes(DType t, long k) => GroupRows * (QuantBytesPerRow(t, k) + ScaleBytesPerRow(k));

    public static ulong Bytes(DType t, long rows, long k) =>
        (ulong)((rows + GroupRows - 1) / GroupRows * GroupBytes(t, k));

    /// <summary>Why a [rows, K] weight cannot be stored as <paramref name="t"/>, or null when it can.</summary>
    public static string? Unsupported(DType t, long k) =>
        k % GgmlBlocks.BlockValues != 0 ? $"{t.ToString().ToLowerInvariant()} needs rows of a multiple of {GgmlBlocks.BlockValues} values (blocks of 32); this weight's rows have {k}" : null;

    /// <summary>Quantizes float rows [rows, K] with llama.cpp's reference quantizer and lays them out for the GPU.
    /// Rows are independent, so they are spread over the host's cores (a 7B model is 7 G values).</summary>
    public static void Quantize(DType t, float[] values, int rows, int k, byte[] packed) => Quantize(t, values, 0, rows, k, packed);

    /// <summary>The same for rows [firstRow, firstRow + rows) of <paramref name="values"/>.</summary>
    public static void Quantize(DType t, float[] values, int firstRow, int rows, int k, byte[] packed)
    {
        if (((long)firstRow + rows) * k > values.Length) throw new ArgumentException($"rows {firstRow}..{firstRow + rows - 1} of {k} values are past the {values.Length} given");
        const int rowsPerTask = 64;
        Parallel.For(0, (rows + rowsPerTask - 1) / rowsPerTask, chunk =>
        {
            var blocks = new byte[(long)k / GgmlBlocks.BlockValues * GgmlBlocks.BlockBytes(t)];
            for (int r = chunk * rowsPerTask; r < Math.Min(rows, (chunk + 1) * rowsPerTask); r++)
            {
                GgmlBlocks.Quantize(t, values.AsSpan((int)((long)(firstRow + r) * k), k), blocks);
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
        }
    }
}
