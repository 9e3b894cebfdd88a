namespace QwenVk.Model.Checkpoints;

/// <summary>generation_config.json: the sampling defaults a model ships with. Absent fields are null (transformers'
/// own defaults then apply: greedy unless do_sample, temperature 1, top_k 50, top_p 1, repetition_penalty 1).</summary>
public sealed record GenerationConfig
{
    public required string SourceFile { get; init; }
    public int? BosTokenId { get; init; }
    public int? PadTokenId { get; init; }
    public int[] EosTokenIds { get; init; } = [];
    public bool? DoSample { get; init; }
    public double? Temperature { get; init; }
    public int? TopK { get; init; }
    public double? TopP { get; init; }
    public double? MinP { get; init; }
    public double? RepetitionPenalty { get; init; }
    public int? MaxNewTokens { get; init; }

    public static GenerationConfig Load(string path)
    {
        using var doc = JsonFields.Parse(path);
        return JsonFields.Guard(path, () => Read(new JsonFields(doc.RootElement, path), path));
    }

    static GenerationConfig Read(JsonFields f, string path)
    {
        var g = new GenerationConfig
        {
            SourceFile = path,
            BosTokenId = f.IntOrNull("bos_token_id"),
            PadTokenId = f.IntOrNull("pad_token_id"),
            EosTokenIds = f.IntOrIntList("eos_token_id"),
            DoSample = f.Has("do_sample") ? f.Bool("do_sample", false) : null,
            Temperature = f.DoubleOrNull("temperature"),
            TopK = f.IntOrNull("top_k"),
            TopP = f.DoubleOrNull("top_p"),
            MinP = f.DoubleOrNull("min_p"),
            RepetitionPenalty = f.DoubleOrNull("repetition_penalty"),
            MaxNewTokens = f.IntOrNull("max_new_tokens"),
        };
        // The sampler's own ranges, checked here so that a bad file is named rather than a sampler property.
        if (g.Temperature is < 0 or > float.MaxValue) throw f.Invalid("temperature", $"is {g.Temperature}, expected >= 0 (0 = greedy).");
        if (g.TopK is < 0) throw f.Invalid("top_k", $"is {g.TopK}, expected >= 0 (0 = off).");
        if (g.TopP is <= 0 or > 1) throw f.Invalid("top_p", $"is {g.TopP}, expected a number in (0, 1] (1 = off).");
        if (g.MinP is < 0 or > 1) throw f.Invalid("min_p", $"is {g.MinP}, expected a number in [0, 1] (0 = off).");
        if (g.RepetitionPenalty is <= 0 or > float.MaxValue) throw f.Invalid("repetition_penalty", $"is {g.RepetitionPenalty}, expected > 0 (1 = off).");
        return g;
    }
}
