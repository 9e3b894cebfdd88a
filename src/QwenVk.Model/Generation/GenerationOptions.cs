using QwenVk.Model.Sampling;

namespace QwenVk.Model.Generation;

/// <summary>How to generate: sampling, when to stop. Null fields take the model's generation_config.json values,
/// then the library defaults.</summary>
public sealed record GenerationOptions
{
    public SamplingOptions? Sampling { get; init; }
    public int MaxNewTokens { get; init; } = 256;
    public IReadOnlyList<string> StopStrings { get; init; } = [];
    /// <summary>Extra stop token ids besides the model's eos ids.</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];
}

/// <summary>One generated token and the text it completed (may be empty while a character or stop string is pending).</summary>
public readonly record struct GeneratedToken(int Id, string Text);

/// <summary>Timings and counts of the last generation.</summary>
public sealed record GenerationStats
{
    public int PromptTokens { get; init; }
    /// <summary>Prompt tokens found in the KV cache from an earlier turn, so not processed again.</summary>
    public int ReusedTokens { get; init; }
    public int GeneratedTokens { get; init; }
    public double PromptSeconds { get; init; }
    public double GenerationSeconds { get; init; }
    public StopReason StopReason { get; init; }
    /// <summary>The sampler's seed: the one given, or the one picked when none was. Sampling with it again (same
    /// prompt, options and model) repeats the run.</summary>
    public ulong Seed { get; init; }
    public double PromptTokensPerSecond => PromptSeconds > 0 ? (PromptTokens - ReusedTokens) / PromptSeconds : 0;
    public double GenerationTokensPerSecond => GenerationSeconds > 0 ? GeneratedTokens / GenerationSeconds : 0;
}
