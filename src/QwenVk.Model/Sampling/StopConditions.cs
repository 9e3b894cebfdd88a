namespace QwenVk.Model.Sampling;

/// <summary>When generation ends: a stop token (e.g. &lt;|im_end|&gt;, &lt;|endoftext|&gt;), a stop string in the
/// decoded text (may span tokens), or a number of generated tokens (the stop token counts, as in Hugging Face).</summary>
public sealed record StopConditions
{
    public IReadOnlyCollection<int> StopTokenIds { get; init; } = [];
    public IReadOnlyList<string> StopStrings { get; init; } = [];
    public int MaxNewTokens { get; init; } = int.MaxValue;

    public void Validate()
    {
        if (MaxNewTokens <= 0)
            throw new ArgumentOutOfRangeException(nameof(MaxNewTokens), MaxNewTokens, "MaxNewTokens must be at least 1.");
        for (int i = 0; i < StopStrings.Count; i++)
        {
            if (string.IsNullOrEmpty(StopStrings[i]))
                throw new ArgumentException($"StopStrings[{i}] is empty: an empty stop string would stop at once.", nameof(StopStrings));
        }
    }
}

public enum StopReason
{
    None,
    StopToken,
    StopString,
    MaxTokens,
}

/// <summary>One step's result: text safe to show now, and why generation stops (None = continue).</summary>
public readonly record struct StopStep(string Text, StopReason Reason)
{
    public bool ShouldStop => Reason != StopReason.None;
}
