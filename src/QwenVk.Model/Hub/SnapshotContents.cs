using System.Text.Json;
using QwenVk.Model.Checkpoints;

namespace QwenVk.Model.Hub;

/// <summary>The files QwenVk needs from a model repo, and whether a snapshot folder holds all of them.</summary>
static class SnapshotContents
{
    public const string Tokenizer = "tokenizer.json";
    public const string TokenizerConfig = "tokenizer_config.json";

    /// <summary>Complete: config.json, tokenizer.json, and model.safetensors or the index with every shard it lists.
    /// Optional files are not required, so a snapshot made by another tool without them still counts.</summary>
    public static bool IsComplete(string folder)
    {
        if (!File.Exists(Path.Combine(folder, Checkpoint.ConfigFile)) || !File.Exists(Path.Combine(folder, Tokenizer)))
            return false;
        if (File.Exists(Path.Combine(folder, Checkpoint.SingleFile))) return true;
        string index = Path.Combine(folder, Checkpoint.IndexFile);
        return File.Exists(index) && ShardNames(index).All(s => File.Exists(Path.Combine(folder, s)));
    }

    /// <summary>The shard files an index's weight_map names, in first-use order. The names come from the network,
    /// so anything that is not a plain file name is refused.</summary>
    public static IReadOnlyList<string> ShardNames(string indexPath)
    {
        using var doc = JsonFields.Parse(indexPath);
        if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{indexPath}: field \"weight_map\" is missing or not an object of tensor name -> shard file.");
        var shards = new List<string>();
        foreach (var p in map.EnumerateObject())
        {
            string? shard = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : null;
            if (string.IsNullOrEmpty(shard) || shard.Contains('/') || shard.Contains('\\') || shard.Contains("..")
                || Path.GetFileName(shard) != shard)
                throw new InvalidDataException($"{indexPath}: weight_map entry \"{p.Name}\" is {p.Value.GetRawText()}, expected a shard file name in the same folder.");
            if (!shards.Contains(shard)) shards.Add(shard);
        }
        if (shards.Count == 0) throw new InvalidDataException($"{indexPath}: field \"weight_map\" is empty.");
        return shards;
    }
}
