using System.Text.Json;

namespace QwenVk.Model.Checkpoints;

/// <summary>Which safetensors files hold the weights: model.safetensors (preferred when present, as transformers
/// does) or the shards named by model.safetensors.index.json's weight_map.</summary>
sealed class CheckpointLayout
{
    public required string Folder { get; init; }
    public required IReadOnlyList<string> Files { get; init; }

    /// <summary>Tensor name to shard path, from the index; null for a single file.</summary>
    public IReadOnlyDictionary<string, string>? WeightMap { get; init; }
    public string? IndexPath { get; init; }

    public static CheckpointLayout Resolve(string folder)
    {
        string single = Path.Combine(folder, Checkpoint.SingleFile);
        if (File.Exists(single)) return new CheckpointLayout { Folder = folder, Files = [single] };
        string index = Path.Combine(folder, Checkpoint.IndexFile);
        if (!File.Exists(index))
            throw new FileNotFoundException($"{folder}: neither {Checkpoint.SingleFile} nor {Checkpoint.IndexFile} is there; download the model's safetensors weights into this folder.", single);

        using var doc = JsonFields.Parse(index);
        return JsonFields.Guard(index, () => FromIndex(folder, index, new JsonFields(doc.RootElement, index)));
    }

    static CheckpointLayout FromIndex(string folder, string index, JsonFields f)
    {
        if (f.Get("weight_map") is not { ValueKind: JsonValueKind.Object } map)
            throw f.Invalid("weight_map", "is missing or not an object of tensor name -> shard file.");
        var weightMap = new Dictionary<string, string>();
        var files = new List<string>();
        foreach (var p in map.EnumerateObject())
        {
            string? shard = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : null;
            if (string.IsNullOrEmpty(shard) || shard.Contains('/') || shard.Contains('\\') || shard.Contains(".."))
                throw f.Invalid("weight_map", $"entry \"{p.Name}\" is {p.Value.GetRawText()}, expected a shard file name in this folder.");
            string path = Path.Combine(folder, shard);
            if (!files.Contains(path))
            {
                if (!File.Exists(path))
                    throw new FileNotFoundException($"{index}: shard {shard} (holding \"{p.Name}\") is missing from {folder}; download it.", path);
                files.Add(path);
            }
            weightMap[p.Name] = path;
        }
        if (files.Count == 0) throw f.Invalid("weight_map", "is empty.");
        return new CheckpointLayout { Folder = folder, Files = files, WeightMap = weightMap, IndexPath = index };
    }

    /// <summary>Where a tensor that is missing should have been.</summary>
    public string ExpectedFile(string tensor) =>
        WeightMap is null ? Files[0] : WeightMap.TryGetValue(tensor, out var f) ? f : $"one of the shards listed in {IndexPath}";

    public void CheckIndexAgrees(IReadOnlyDictionary<string, string> actual)
    {
        if (WeightMap is null) return;
        foreach (var (name, shard) in WeightMap)
        {
            if (!actual.TryGetValue(name, out var found))
                throw new InvalidDataException($"{IndexPath}: tensor \"{name}\" is listed in {Path.GetFileName(shard)}, but that file does not hold it; the shard or the index is damaged (re-download both).");
            if (found != shard)
                throw new InvalidDataException($"{IndexPath}: tensor \"{name}\" is listed in {Path.GetFileName(shard)}, but it is in {Path.GetFileName(found)}; re-download the index.");
        }
        foreach (var (name, found) in actual)
            if (!WeightMap.ContainsKey(name))
                throw new InvalidDataException($"{found}: tensor \"{name}\" is not listed in {IndexPath}'s weight_map; the index does not match the shards (re-download both).");
    }
}
