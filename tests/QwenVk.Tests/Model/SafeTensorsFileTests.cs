using System.Text;
using QwenVk.Model.Checkpoints;

namespace QwenVk.Tests.Model;

/// <summary>Damaged safetensors files, written by hand, each refused with a message naming the file (and tensor).</summary>
public sealed class SafeTensorsFileTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    string Write(string header, int dataBytes, long? headerLengthOverride = null)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + h.Length + dataBytes];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), headerLengthOverride ?? h.Length);
        h.CopyTo(bytes, 8);
        for (int i = 0; i < dataBytes; i++) bytes[8 + h.Length + i] = (byte)(i * 7 + 3);
        string path = _dir.File("model.safetensors");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    InvalidDataException Refused(string path)
    {
        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Open(path).Dispose());
        Assert.Contains(path, e.Message);
        return e;
    }

    [Fact]
    public void ReadsAValidFile()
    {
        string path = Write("""{"__metadata__": {"format": "pt"}, "a": {"dtype": "F16", "shape": [2, 2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [3], "data_offsets": [8, 20]}, "e": {"dtype": "BF16", "shape": [0], "data_offsets": [20, 20]}}""", 20);
        using var f = SafeTensorsFile.Open(path);
        Assert.Equal(["a", "b", "e"], f.Tensors.Select(t => t.Name));
        Assert.Equal(SafeTensorsDType.F32, f["b"].DType);
        Assert.Equal([3L], f["b"].Shape);
        var raw = File.ReadAllBytes(path);
        int dataStart = raw.Length - 20;
        Assert.Equal(raw.AsSpan(dataStart + 8, 12).ToArray(), f.Bytes(f["b"], 0, 12).ToArray());
        Assert.Equal(raw.AsSpan(dataStart + 2, 4).ToArray(), f.Bytes(f["a"], 2, 4).ToArray());
        Assert.Equal(0, f.Bytes(f["e"], 0, 0).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => f.Bytes(f["a"], 4, 8).ToArray());
    }

    [Fact]
    public void ShorterThanTheLengthFieldIsTruncated()
    {
        string path = _dir.File("model.safetensors");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5]);
        var e = Refused(path);
        Assert.Contains("5 bytes", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void HeaderLengthPastEndOfFile()
    {
        string path = Write("""{"a": {"dtype": "F16", "shape": [1], "data_offsets": [0, 2]}}""", 2, headerLengthOverride: 100_000);
        var e = Refused(path);
        Assert.Contains("100000", e.Message);
        Assert.Contains("header length", e.Message);
    }

    [Fact]
    public void HeaderThatIsNotJson()
    {
        var e = Refused(Write("{\"a\": {\"dtype\": ", 0));
        Assert.Contains("not valid JSON", e.Message);
    }

    [Fact]
    public void UnknownDType()
    {
        var e = Refused(Write("""{"w": {"dtype": "I8", "shape": [4], "data_offsets": [0, 4]}}""", 4));
        Assert.Contains("\"w\"", e.Message);
        Assert.Contains("I8", e.Message);
        Assert.Contains("BF16, F16, F32", e.Message);
    }

    [Fact]
    public void DataOffsetsOutOfRange()
    {
        var e = Refused(Write("""{"w": {"dtype": "F16", "shape": [2], "data_offsets": [8, 4]}}""", 8));
        Assert.Contains("\"w\"", e.Message);
        Assert.Contains("out of range", e.Message);
    }

    [Fact]
    public void OverlappingTensors()
    {
        var e = Refused(Write("""{"first": {"dtype": "F16", "shape": [4], "data_offsets": [0, 8]}, "second": {"dtype": "F16", "shape": [4], "data_offsets": [4, 12]}}""", 12));
        Assert.Contains("\"first\"", e.Message);
        Assert.Contains("\"second\"", e.Message);
        Assert.Contains("overlap", e.Message);
    }

    [Fact]
    public void ByteSizeNotMatchingDTypeAndShape()
    {
        var e = Refused(Write("""{"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}""", 8));
        Assert.Contains("\"w\"", e.Message);
        Assert.Contains("8 bytes", e.Message);
        Assert.Contains("needs 12", e.Message);
    }

    [Fact]
    public void TruncatedData()
    {
        var e = Refused(Write("""{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}""", 10));
        Assert.Contains("\"w\"", e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("10 data bytes", e.Message);
    }

    [Fact]
    public void MissingShape()
    {
        var e = Refused(Write("""{"w": {"dtype": "F32", "data_offsets": [0, 4]}}""", 4));
        Assert.Contains("\"w\"", e.Message);
        Assert.Contains("shape", e.Message);
    }
}
