using System.Text;

namespace QwenVk.Model.Sampling;

/// <summary>
/// Applies <see cref="StopConditions"/> to a token stream and its decoded text (from a StreamingDecoder). Text that
/// could be the start of a stop string is held back until it is clear, so a stop string split over several tokens is
/// never shown, and text after it is dropped.
/// </summary>
public sealed class StopDetector
{
    readonly StopConditions _conditions;
    readonly HashSet<int> _stopTokens;
    readonly StringBuilder _pending = new();
    int _tokens;
    bool _stopped;

    public StopDetector(StopConditions conditions)
    {
        _conditions = conditions ?? throw new ArgumentNullException(nameof(conditions));
        conditions.Validate();
        _stopTokens = [.. conditions.StopTokenIds];
    }

    /// <summary>Feeds a generated token and the text it completed (the StreamingDecoder's output for it).</summary>
    public StopStep Append(int tokenId, string text)
    {
        if (_stopped)
            throw new InvalidOperationException("Generation already stopped; start a new StopDetector for a new generation.");
        _tokens++;
        if (_stopTokens.Contains(tokenId))
            return Stop(ReleaseAll(), StopReason.StopToken);

        _pending.Append(text);
        string pending = _pending.ToString();
        if (FindStopString(pending) is int at)
        {
            _pending.Clear();
            return Stop(pending[..at], StopReason.StopString);
        }
        if (_tokens >= _conditions.MaxNewTokens)
            return Stop(ReleaseAll(), StopReason.MaxTokens);

        int held = LongestSuffixThatStartsAStopString(pending);
        _pending.Remove(0, pending.Length - held);
        return new StopStep(pending[..^held], StopReason.None);
    }

    /// <summary>Text still held back when the stream ends for another reason (e.g. the caller cancels).</summary>
    public string Finish()
    {
        _stopped = true;
        return ReleaseAll();
    }

    StopStep Stop(string text, StopReason reason)
    {
        _stopped = true;
        return new StopStep(text, reason);
    }

    string ReleaseAll()
    {
        string text = _pending.ToString();
        _pending.Clear();
        return text;
    }

    /// <summary>Earliest position where any stop string occurs.</summary>
    int? FindStopString(string text)
    {
        int? earliest = null;
        foreach (string stop in _conditions.StopStrings)
        {
            int at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (earliest is null || at < earliest))
                earliest = at;
        }
        return earliest;
    }

    int LongestSuffixThatStartsAStopString(string text)
    {
        int longest = 0;
        foreach (string stop in _conditions.StopStrings)
        {
            for (int length = Math.Min(stop.Length - 1, text.Length); length > longest; length--)
            {
                if (text.AsSpan(text.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                {
                    longest = length;
                    break;
                }
            }
        }
        return longest;
    }
}
