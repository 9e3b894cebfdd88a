namespace QwenVk.Model.Text;

/// <summary>Finds added tokens (&lt;|im_start|&gt;, &lt;think&gt;, ...) in raw text the way Hugging Face's
/// AddedVocabulary does: leftmost match first, longest token at that position, no overlap, before normalization.</summary>
sealed class AddedTokenMatcher
{
    readonly Dictionary<char, AddedToken[]> _byFirstChar;

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        _byFirstChar = tokens
            .Where(t => t.Content.Length > 0)
            .GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ToArray());
    }

    /// <summary>The next added token at or after <paramref name="start"/> that does not overlap a literal
    /// (never-special) character, or null.</summary>
    public (int Index, AddedToken Token)? FindNext(string text, int start, bool[]? literal)
    {
        for (int i = start; i < text.Length; i++)
        {
            if (!_byFirstChar.TryGetValue(text[i], out AddedToken[]? candidates))
                continue;
            foreach (AddedToken token in candidates)
            {
                if (text.AsSpan(i).StartsWith(token.Content, StringComparison.Ordinal)
                    && !OverlapsLiteral(literal, i, token.Content.Length))
                    return (i, token);
            }
        }
        return null;
    }

    static bool OverlapsLiteral(bool[]? literal, int start, int length)
    {
        if (literal is null)
            return false;
        for (int i = start; i < start + length; i++)
        {
            if (literal[i])
                return true;
        }
        return false;
    }
}
