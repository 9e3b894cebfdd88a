using QwenVk.Runtime.Quantization;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Kernels;

/// <summary>Rows [FirstRow, FirstRow + RowCount) of a row-major tensor.</summary>
public readonly record struct RowChunk(int FirstRow, int RowCount)
{
    public long ByteOffset(long bytesPerRow) => FirstRow * bytesPerRow;
}

/// <summary>
/// Splits a row-major tensor too large for one binding (maxStorageBufferRange: 128 MiB on lavapipe, where a 151936 x
/// 896 fp16 vocabulary matrix is 272 MB) into row chunks that each fit. Every chunk but the last holds the same number
/// of rows, a multiple chosen so that each chunk starts at a byte offset that is a multiple of
/// <see cref="BufferRange.PortableAlignment"/>, so the chunks can also be bound as ranges of one buffer.
/// </summary>
public static class RowSplit
{

    /// <summary>Chunks of a weight [rows, K] of type <paramref name="t"/>: block-quantized rows are split at whole
    /// groups of <see cref="QuantizedLayout.GroupRows"/> rows, where each group's quants and scales end.</summary>
    public static IReadOnlyList<RowChunk> Split(DType t, long rows, long k, ulong maxBytes) => t.IsBlockQuantized()
        ? Split(rows, QuantizedLayout.GroupBytes(t, k) / QuantizedLayout.GroupRows, maxBytes, QuantizedLayout.GroupRows)
        : Split(rows, k * TensorType.SizeOf(t), maxBytes);

    /// <param name="rowMultiple">every chunk but the last holds a multiple of this many rows.</param>
    public static IReadOnlyList<RowChunk> Split(long rows, long bytesPerRow, ulong maxBytes, int rowMultiple = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytesPerRow);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rowMultiple);
        const long alignment = (long)BufferRange.PortableAlignment;
        long alignRows = alignment / (long)System.Numerics.BigInteger.GreatestCommonDivisor(bytesPerRow, alignment);
        alignRows = alignRows / (long)System.Numerics.BigInteger.GreatestCommonDivisor(alignRows, rowMultiple) * rowMultiple;
        long fit = (long)Math.Min(maxBytes / (ulong)bytesPerRow, int.MaxValue);
        long perChunk = fit / alignRows * alignRows;
        if (rows <= fit) perChunk = rows;
        else if (perChunk == 0)
            throw new ArgumentException($"rows of {bytesPerRow} bytes cannot be split into 256-byte aligned chunks of at most {maxBytes} bytes (binding limit); the tensor needs a different layout.");
        var chunks = new List<RowChunk>();
        for (long first = 0; first < rows; first += perChunk)
            chunks.Add(new RowChunk((int)first, (int)Math.Min(perChunk, rows - first)));
        return chunks;
    }
}
