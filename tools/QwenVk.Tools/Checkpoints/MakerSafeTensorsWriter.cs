using System.Text;
using System.Text.Json;

namespace QwenVk.Tools.Checkpoints;

/// <summary>Writes one .safetensors file: u64 header length, JSON header (padded with spaces to 8 bytes, as the
/// safetensors library does), then each tensor's bytes in header order. Tensor data is produced by a callback one
/// tensor at a time, so a large checkpoint is never held in memory.</summary>
static class MakerSafeTensorsWriter
{
    public static long Write(string path, IReadOnlyList<MakerTensor> tensors, MakerDType dtype, Action<MakerTensor, Stream> writeData)
    {
        var header = Header(tensors, dtype);
        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Span<byte> len = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Length);
        fs.Write(len);
        fs.Write(header);
        long dataBytes = 0;
        foreach (var t in tensors)
        {
            long before = fs.Position;
            writeData(t, fs);
            long written = fs.Position - before;
            long expected = t.Elements * MakerEncoding.Size(dtype);
            if (written != expected) throw new InvalidOperationException($"{t.Name}: wrote {written} bytes, expected {expected}");
            dataBytes += written;
        }
        return dataBytes;
    }

    static byte[] Header(IReadOnlyList<MakerTensor> tensors, MakerDType dtype)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteStartObject("__metadata__");
            w.WriteString("format", "pt");
            w.WriteEndObject();
            long offset = 0;
            foreach (var t in tensors)
            {
                long size = t.Elements * MakerEncoding.Size(dtype);
                w.WriteStartObject(t.Name);
                w.WriteString("dtype", MakerEncoding.SafeTensorsName(dtype));
                w.WriteStartArray("shape");
                foreach (long s in t.Shape) w.WriteNumberValue(s);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + size);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += size;
            }
            w.WriteEndObject();
        }
        var json = ms.ToArray();
        int pad = (8 - json.Length % 8) % 8;
        return [.. json, .. Enumerable.Repeat((byte)' ', pad)];
    }
}
