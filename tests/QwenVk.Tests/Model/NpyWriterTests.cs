using QwenVk.Model.Checkpoints;
using QwenVk.Reference;

namespace QwenVk.Tests.Model;

public sealed class NpyWriterTests
{
    [Theory]
    [InlineData(3, 5)]
    [InlineData(1, 512)]
    [InlineData(0, 4)]
    public void RoundTripsThroughTheReferenceReader(int rows, int cols)
    {
        using var dir = new TempDir();
        var rng = new Random(rows * 1000 + cols);
        var values = new float[rows, cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) values[r, c] = (float)(rng.NextDouble() * 200 - 100);
        string path = dir.File("a.npy");
        NpyWriter.WriteFloat32(path, values);

        var bytes = File.ReadAllBytes(path);
        int headerEnd = 10 + BitConverter.ToUInt16(bytes, 8);
        Assert.Equal(0, headerEnd % 64);
        Assert.Equal((byte)'\n', bytes[headerEnd - 1]);
        Assert.Equal(headerEnd + rows * cols * 4, bytes.Length);

        var read = NpyReader.Read2D(path);
        Assert.Equal(rows, read.Length);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) Assert.Equal(values[r, c], read[r][c]);
    }

    [Fact]
    public void RefusesMismatchedShape()
    {
        using var dir = new TempDir();
        Assert.Throws<ArgumentException>(() => NpyWriter.WriteFloat32(dir.File("a.npy"), new float[5], 2, 3));
    }
}
