using System.Text.Json;

namespace QwenVk.Tools.Checkpoints;

/// <summary>A checkpoint folder the maker wrote: its files and the tensors in them.</summary>
public sealed record MadeCheckpoint(string Folder, IReadOnlyList<string> WeightFiles, IReadOnlyList<MakerTensor> Tensors, long TotalBytes);

/// <summary>Writes a random Qwen2/Qwen3 checkpoint in the exact Hugging Face layout (config.json,
/// generation_config.json, model.safetensors or shards + model.safetensors.index.json, optional tokenizer files),
/// deterministic from the seed. Weights are streamed one tensor at a time, so the Qwen2.5-0.5B-shaped preset needs
/// little memory.</summary>
public static class CheckpointMaker
{
    const int Chunk = 1 << 16;

    public static IReadOnlyList<MakerTensor> Tensors(CheckpointSpec spec) => MakerTensors.For(spec);

    public static MadeCheckpoint Make(CheckpointSpec spec, string folder)
    {
        spec.Validate();
        Directory.CreateDirectory(folder);
        var tensors = MakerTensors.For(spec);
        if (spec.Shards > tensors.Count) throw new ArgumentException($"checkpoint spec: {spec.Shards} shards for {tensors.Count} tensors");

        WriteConfigs(spec, folder);
        if (spec.TokenizerJson is { } tok) CopyMaybeGzipped(tok, Path.Combine(folder, "tokenizer.json"));
        if (spec.TokenizerConfigJson is { } tokCfg) File.Copy(tokCfg, Path.Combine(folder, "tokenizer_config.json"), overwrite: true);

        var groups = SplitIntoShards(tensors, spec.Shards, spec.DType);
        var files = new List<string>();
        var weightMap = new List<(string Tensor, string File)>();
        long total = 0;
        for (int k = 0; k < groups.Count; k++)
        {
            string name = groups.Count == 1 ? "model.safetensors" : $"model-{k + 1:D5}-of-{groups.Count:D5}.safetensors";
            string path = Path.Combine(folder, name);
            total += MakerSafeTensorsWriter.Write(path, groups[k], spec.DType, (t, s) => WriteValues(spec, t, s));
            files.Add(path);
            weightMap.AddRange(groups[k].Select(t => (t.Name, name)));
        }
        if (groups.Count > 1) WriteIndex(Path.Combine(folder, "model.safetensors.index.json"), total, weightMap);
        return new MadeCheckpoint(folder, files, tensors, total);
    }

    /// <summary>Writes only config.json and generation_config.json (e.g. to check a large preset's config without
    /// writing its weights).</summary>
    public static void WriteConfigs(CheckpointSpec spec, string folder)
    {
        spec.Validate();
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), MakerConfigJson.Config(spec));
        File.WriteAllText(Path.Combine(folder, "generation_config.json"), MakerConfigJson.Generation(spec));
    }

    /// <summary>The values the maker stores for a tensor, exactly (after rounding to the checkpoint's dtype).</summary>
    public static float[] StoredValues(CheckpointSpec spec, MakerTensor tensor)
    {
        var rng = MakerRandom.ForTensor(spec.Seed, tensor.Name);
        var v = new float[tensor.Elements];
        for (long i = 0; i < v.Length; i++) v[i] = MakerEncoding.Quantize(tensor.Mean + tensor.Std * rng.NextNormal(), spec.DType);
        return v;
    }

    static void WriteValues(CheckpointSpec spec, MakerTensor t, Stream s)
    {
        var rng = MakerRandom.ForTensor(spec.Seed, t.Name);
        int size = MakerEncoding.Size(spec.DType);
        var values = new float[Chunk];
        var bytes = new byte[Chunk * size];
        for (long start = 0; start < t.Elements; start += Chunk)
        {
            int n = (int)Math.Min(Chunk, t.Elements - start);
            for (int i = 0; i < n; i++) values[i] = MakerEncoding.Quantize(t.Mean + t.Std * rng.NextNormal(), spec.DType);
            MakerEncoding.Write(values.AsSpan(0, n), spec.DType, bytes);
            s.Write(bytes, 0, n * size);
        }
    }

    /// <summary>Consecutive runs of tensors of about equal byte size, none empty (transformers fills shards up to
    /// a size limit in module order, which also gives consecutive runs).</summary>
    static List<List<MakerTensor>> SplitIntoShards(List<MakerTensor> tensors, int shards, MakerDType dtype)
    {
        long total = tensors.Sum(t => t.Elements) * MakerEncoding.Size(dtype);
        var groups = new List<List<MakerTensor>> { new() };
        long done = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            int remainingTensors = tensors.Count - i;
            int remainingShards = shards - groups.Count;
            bool full = done >= total * groups.Count / shards;
            if (groups[^1].Count > 0 && remainingShards > 0 && (full || remainingTensors <= remainingShards))
                groups.Add(new());
            groups[^1].Add(tensors[i]);
            done += tensors[i].Elements * MakerEncoding.Size(dtype);
        }
        return groups;
    }

    static void WriteIndex(string path, long totalSize, List<(string Tensor, string File)> weightMap)
    {
        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write);
        using var w = new Utf8JsonWriter(fs, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteStartObject("metadata");
        w.WriteNumber("total_size", totalSize);
        w.WriteEndObject();
        w.WriteStartObject("weight_map");
        foreach (var (t, f) in weightMap.OrderBy(x => x.Tensor, StringComparer.Ordinal)) w.WriteString(t, f);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>Copies a file, decompressing it when its name ends in .gz (the repo keeps tokenizers compressed).</summary>
    static void CopyMaybeGzipped(string source, string destination)
    {
        if (!source.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            File.Copy(source, destination, overwrite: true);
            return;
        }
        using var input = new System.IO.Compression.GZipStream(File.OpenRead(source), System.IO.Compression.CompressionMode.Decompress);
        using var output = File.Create(destination);
        input.CopyTo(output);
    }
}
