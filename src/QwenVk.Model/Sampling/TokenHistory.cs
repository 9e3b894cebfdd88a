namespace QwenVk.Model.Sampling;

/// <summary>The tokens penalties look at: the repetition penalty covers prompt and output (Hugging Face), presence
/// and frequency penalties only the output (OpenAI, vLLM).</summary>
public sealed class TokenHistory
{
    readonly HashSet<int> _seen = [];
    readonly Dictionary<int, int> _generatedCounts = [];

    public int GeneratedCount { get; private set; }

    public void AddPrompt(ReadOnlySpan<int> ids)
    {
        foreach (int id in ids)
            _seen.Add(id);
    }

    public void AddGenerated(int id)
    {
        _seen.Add(id);
        _generatedCounts[id] = _generatedCounts.GetValueOrDefault(id) + 1;
        GeneratedCount++;
    }

    public IReadOnlyCollection<int> Seen => _seen;
    public IReadOnlyDictionary<int, int> GeneratedCounts => _generatedCounts;
}
