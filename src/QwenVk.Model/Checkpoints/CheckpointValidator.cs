namespace QwenVk.Model.Checkpoints;

/// <summary>Checks the tensors found against those config.json implies: none missing, none unexpected, every shape
/// as implied.</summary>
static class CheckpointValidator
{
    public static List<string> Check(QwenConfig config, CheckpointLayout layout, IReadOnlyDictionary<string, (string File, SafeTensorInfo Info)> found)
    {
        var notes = new List<string>();
        CheckLayerCount(config, found);
        var expected = QwenWeights.For(config);
        string model = $"{config.Architecture} ({config.SourceFile})";
        foreach (var e in expected)
        {
            if (!found.TryGetValue(e.Name, out var t))
            {
                string why = e.Name == QwenWeights.LmHead ? " (tie_word_embeddings is false, so the output projection is its own tensor)" : "";
                throw new InvalidDataException($"tensor \"{e.Name}\" is missing: {model} requires it{why}; expected in {layout.ExpectedFile(e.Name)}. The checkpoint is incomplete or does not match config.json.");
            }
            if (!t.Info.Shape.SequenceEqual(e.Shape))
                throw new InvalidDataException($"{t.File}: tensor \"{e.Name}\" has shape {t.Info.ShapeText}, but {config.SourceFile} implies {e.ShapeText} = {e.ShapeFrom} (hidden_size {config.HiddenSize}, intermediate_size {config.IntermediateSize}, num_attention_heads {config.NumAttentionHeads}, num_key_value_heads {config.NumKeyValueHeads}, head_dim {config.HeadDim}, vocab_size {config.VocabSize}). config.json and the weights do not belong together.");
        }
        var known = expected.Select(e => e.Name).ToHashSet();
        foreach (var (name, t) in found.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (known.Contains(name)) continue;
            if (name == QwenWeights.LmHead && config.TieWordEmbeddings)
            {
                var embedShape = found[QwenWeights.Embeddings].Info.Shape;
                if (!t.Info.Shape.SequenceEqual(embedShape))
                    throw new InvalidDataException($"{t.File}: tensor \"{name}\" has shape {t.Info.ShapeText}, but the tied embeddings are [{string.Join(", ", embedShape)}].");
                notes.Add($"{t.File}: \"{name}\" is present although tie_word_embeddings is true; it is ignored and the output projection uses {QwenWeights.Embeddings}, as transformers does.");
                continue;
            }
            throw new InvalidDataException($"{t.File}: tensor \"{name}\" is not part of a {model} model with this config.json; the checkpoint is a different architecture or config.json does not match it.");
        }
        return notes;
    }

    /// <summary>num_hidden_layers against the layers the files hold, before a list of tensors is sized from it.</summary>
    static void CheckLayerCount(QwenConfig config, IReadOnlyDictionary<string, (string File, SafeTensorInfo Info)> found)
    {
        const string prefix = "model.layers.";
        int highest = -1;
        foreach (var name in found.Keys)
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal)) continue;
            int dot = name.IndexOf('.', prefix.Length);
            if (dot > prefix.Length && int.TryParse(name.AsSpan(prefix.Length, dot - prefix.Length), System.Globalization.NumberStyles.None, null, out int i))
                highest = Math.Max(highest, i);
        }
        // Fewer layers in config.json than in the files is reported below as the first unexpected tensor.
        if (config.NumHiddenLayers > highest + 1)
            throw new InvalidDataException($"{config.SourceFile}: field \"num_hidden_layers\" is {config.NumHiddenLayers}, but the safetensors files hold {(highest < 0 ? "no layers" : $"layers 0..{highest}")}; config.json and the weights do not belong together.");
    }
}
