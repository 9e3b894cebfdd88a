using System.Buffers.Binary;
using System.Text.Json;

namespace QwenVk.Reference.Model;

/// <summary>The reference's own safetensors loading: every tensor of a model folder (model.safetensors or the shards
/// of model.safetensors.index.json) decoded to double. Deliberately minimal and separate from QwenVk.Model's reader.</summary>
public static class RefTensors
{
    public sealed record Tensor(long[] Shape, double[] Data);

    public static Dictionary<string, Tensor> LoadFolder(string folder)
    {
        string single = Path.Combine(folder, "model.safetensors");
        if (File.Exists(single)) return LoadFile(single);
        string index = Path.Combine(folder, "model.safetensors.index.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(index));
        var shards = doc.RootElement.GetProperty("weight_map").EnumerateObject().Select(p => p.Value.GetString()!).Distinct();
        var all = new Dictionary<string, Tensor>();
        foreach (var shard in shards)
            foreach (var (k, v) in LoadFile(Path.Combine(folder, shard))) all.Add(k, v);
        return all;
    }

    public static Dictionary<string, Tensor> LoadFile(string path)
    {
        var bytes = File.ReadAllBytes(path);
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        int dataStart = checked(8 + (int)headerLength);
        using var doc = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        var result = new Dictionary<string, Tensor>();
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (p.Name == "__metadata__") continue;
            string dtype = p.Value.GetProperty("dtype").GetString()!;
            var shape = p.Value.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray();
            var offs = p.Value.GetProperty("data_offsets").EnumerateArray().Select(x => x.GetInt64()).ToArray();
            long n = shape.Aggregate(1L, (a, b) => a * b);
            var data = new double[n];
            var src = bytes.AsSpan(dataStart + (int)offs[0], (int)(offs[1] - offs[0]));
            for (int i = 0; i < n; i++)
            {
                data[i] = dtype switch
                {
                    "BF16" => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(src[(2 * i)..]) << 16),
                    "F16" => (double)BinaryPrimitives.ReadHalfLittleEndian(src[(2 * i)..]),
                    "F32" => BinaryPrimitives.ReadSingleLittleEndian(src[(4 * i)..]),
                    "I32" => BinaryPrimitives.ReadInt32LittleEndian(src[(4 * i)..]),
                    _ => throw new InvalidDataException($"{path}: {p.Name}: dtype {dtype} not supported by the reference"),
                };
            }
            result.Add(p.Name, new Tensor(shape, data));
        }
        return result;
    }
}
