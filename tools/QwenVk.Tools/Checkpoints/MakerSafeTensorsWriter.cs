using System.Text;
using System.Text.Json;

namespace QwenVk.Tools.Checkpoints;

/// <summary>Writes one .safetensors file: u64 header length, JSON header (padded with spaces to 8 bytes, as the
/// safetensors library does), then each tensor's bytes in header order. Tensor data is produced by a callback one
/// tensor at a time, so a large checkpoint is never held in memory. Tensors are written concurrently, each through its
/// own stream at its own offset: a 7B-shaped checkpoint is 15 GB of random normals, minutes on one core.</summary>
static class MakerSafeTensorsWriter
{
    public static long Write(string path, IReadOnlyList<MakerTensor> tensors, MakerDType dtype, Action<MakerTensor, Stream> writeData)
    {
        var header = Header(tensors, dtype);
        long dataStart = 8 + header.Length;
        var offsets = new long[tensors.Count];
        long dataBytes = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            offsets[i] = dataBytes;
            dataBytes += tensors[i].Elements * MakerEncoding.Size(dtype);
        }
        using (var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Write))
        {
            Span<byte> len = stackalloc byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Length);
            fs.Write(len);
            fs.Write(header);
            fs.SetLength(dataStart + dataBytes);
        }
        // Largest first, so one big tensor (the embedding) does not start last and run alone.
        var order = Enumerable.Range(0, tensors.Count).OrderByDescending(i => tensors[i].Elements).ToArray();
        Parallel.ForEach(order, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var t = tensors[i];
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Write, 1 << 20);
            fs.Position = dataStart + offsets[i];
            writeData(t, fs);
            long written = fs.Position - dataStart - offsets[i];
            long expected = t.Elements * MakerEncoding.Size(dtype);
            if (written != expected) throw new InvalidOperationException($"{t.Name}: wrote {written} bytes, expected {expected}");
        });
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
