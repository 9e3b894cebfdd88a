using QwenVk.Runtime.Kernels;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Tests.Kernels;

public sealed class RowSplitTests
{
    [Theory]
    [InlineData(151936, 1792, 128L << 20)]   // Qwen2.5 lm_head / embedding in fp16 on lavapipe
    [InlineData(151936, 1792, 4L << 30)]     // the same where one binding holds it all
    [InlineData(1000, 144, 40L << 10)]       // 144-byte rows: 256-byte alignment needs multiples of 16 rows
    [InlineData(7, 3, 512)]                  // odd row size: multiples of 256 rows, more than there are
    [InlineData(0, 8, 1024)]
    public void ChunksCoverAllRowsFitTheLimitAndStartAligned(long rows, long bytesPerRow, long maxBytes)
    {
        var chunks = RowSplit.Split(rows, bytesPerRow, (ulong)maxBytes);
        long next = 0;
        foreach (var c in chunks)
        {
            Assert.Equal(next, c.FirstRow);
            Assert.True(c.RowCount > 0);
            Assert.True(c.RowCount * bytesPerRow <= maxBytes, $"chunk {c} is {c.RowCount * bytesPerRow} bytes > {maxBytes}");
            Assert.Equal(0, c.ByteOffset(bytesPerRow) % (long)BufferRange.PortableAlignment);
            next += c.RowCount;
        }
        Assert.Equal(rows, next);
    }

    [Theory]
    [InlineData(QwenVk.Runtime.DType.Q8_0, 151936, 896, 128L << 20)]  // Qwen2.5 lm_head in q8_0 on lavapipe: 144 MB
    [InlineData(QwenVk.Runtime.DType.Q4_0, 1003, 96, 8L << 10)]
    public void QuantizedChunksAreWholeRowGroups(QwenVk.Runtime.DType t, long rows, long k, long maxBytes)
    {
        var chunks = RowSplit.Split(t, rows, k, (ulong)maxBytes);
        Assert.True(chunks.Count > 1);
        long next = 0;
        foreach (var c in chunks)
        {
            Assert.Equal(next, c.FirstRow);
            Assert.Equal(0, c.FirstRow % QwenVk.Runtime.Quantization.QuantizedLayout.GroupRows);
            ulong bytes = QwenVk.Runtime.Quantization.QuantizedLayout.Bytes(t, c.RowCount, k);
            Assert.True(bytes <= (ulong)maxBytes, $"chunk {c} is {bytes} bytes > {maxBytes}");
            Assert.Equal(0UL, QwenVk.Runtime.Quantization.QuantizedLayout.Bytes(t, c.FirstRow, k) % BufferRange.PortableAlignment);
            next += c.RowCount;
        }
        Assert.Equal(rows, next);
    }

    [Fact]
    public void VocabularySplitsInThreeOnLavapipe()
    {
        var chunks = RowSplit.Split(151936, 1792, 128UL << 20);
        Assert.Equal([new RowChunk(0, 74898), new RowChunk(74898, 74898), new RowChunk(149796, 2140)], chunks);
    }

    [Fact]
    public void RowLargerThanTheLimitIsAClearError()
    {
        var e = Assert.Throws<ArgumentException>(() => RowSplit.Split(10, 4096, 1024));
        Assert.Contains("1024", e.Message);
    }
}
