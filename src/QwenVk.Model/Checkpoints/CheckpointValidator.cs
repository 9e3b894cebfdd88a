namespace QwenVk.Model.Checkpoints;

/// <summary>Checks the tensors found against those config.json implies: none missing, none unexpected, every shape
/// as implied, float weights in a float dtype, and a GPTQ / AWQ projection's packed tensors each in its dtype and shape
/// (<see cref="PackedWeight"/>), all before anything is read or allocated.</summary>
static class CheckpointValidator
{
    public static List<string> Check(QwenConfig config, CheckpointLayout layout, IReadOnlyDictionary<string, (string File, SafeTensorInfo Info)> found)
    {
        var notes = new List<string>();
        CheckLayerCount(config, found);
        var expected = QwenWeights.For(config);
        string model = $"{config.Architecture} ({config.SourceFile})";
        var packed = QwenWeights.Packed(config);
        var known = new HashSet<string>();
        foreach (var e in expected)
        {
            if (packed.Contains(e.Name))
            {
                known.UnionWith(CheckPacked(config, layout, found, e));
                continue;
            }
            known.Add(e.Name);
            if (!found.TryGetValue(e.Name, out var t))
            {
                string why = e.Name == QwenWeights.LmHead ? " (tie_word_embeddings is false, so the output projection is its own tensor)" : "";
                throw new InvalidDataException($"tensor \"{e.Name}\" is missing: {model} requires it{why}; expected in {layout.ExpectedFile(e.Name)}. The checkpoint is incomplete or does not match config.json.");
            }
            if (!t.Info.Shape.SequenceEqual(e.Shape))
                throw new InvalidDataException($"{t.File}: tensor \"{e.Name}\" has shape {t.Info.ShapeText}, but {config.SourceFile} implies {e.ShapeText} = {e.ShapeFrom} (hidden_size {config.HiddenSize}, intermediate_size {config.IntermediateSize}, num_attention_heads {config.NumAttentionHeads}, num_key_value_heads {config.NumKeyValueHeads}, head_dim {config.HeadDim}, vocab_size {config.VocabSize}). config.json and the weights do not belong together.");
            if (t.Info.DType == SafeTensorsDType.I32)
                throw new InvalidDataException($"{t.File}: tensor \"{e.Name}\" is I32; weights, norms and biases must be BF16, F16 or F32. The file is damaged or does not match config.json.");
        }
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

    /// <summary>The packed tensors of projection <paramref name="e"/> [N, K]: each present, in its dtype and shape.</summary>
    static IEnumerable<string> CheckPacked(QwenConfig config, CheckpointLayout layout, IReadOnlyDictionary<string, (string File, SafeTensorInfo Info)> found, QwenWeights.Expected e)
    {
        var q = config.Quantization!;
        string method = $"quantization_config (quant_method {q.Name}, bits {q.Bits}, group_size {q.GroupSize})";
        var (parts, unfit) = PackedWeight.Parts(q, e.Name, e.Shape[0], e.Shape[1]);
        if (unfit is not null)
            throw new NotSupportedException($"{config.SourceFile}: {method}: {unfit}; this checkpoint cannot be loaded.");
        foreach (var p in parts)
        {
            if (!found.TryGetValue(p.Name, out var t))
            {
                string stray = found.ContainsKey(e.Name) ? $" (\"{e.Name}\" is there unquantized: config.json's quantization_config does not match the weights)" : "";
                throw new InvalidDataException($"tensor \"{p.Name}\" is missing: a {q.Name} checkpoint stores \"{e.Name}\" as {string.Join(", ", parts.Select(x => x.Field))}; expected in {layout.ExpectedFile(p.Name)}{stray}. The checkpoint is incomplete or does not match config.json.");
            }
            if (t.Info.DType != p.DType)
                throw new InvalidDataException($"{t.File}: tensor \"{p.Name}\" is {t.Info.DType}, but a {q.Name} {p.Field} is {p.DType}. The file is damaged or not a {q.Name} checkpoint.");
            if (!t.Info.Shape.SequenceEqual(p.Shape))
                throw new InvalidDataException($"{t.File}: tensor \"{p.Name}\" has shape {t.Info.ShapeText}, but {method} and {config.SourceFile} imply {p.ShapeText} = {p.ShapeFrom} for \"{e.Name}\" {e.ShapeText} = [N, K]. config.json and the weights do not belong together.");
            yield return p.Name;
        }
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
