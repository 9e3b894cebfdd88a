using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace QwenVk.Model.Text;

/// <summary>
/// Qwen's pre-tokenizer split, giving Hugging Face's pieces. Hugging Face runs the pattern (Oniguruma) on code
/// points; .NET regex runs on UTF-16 code units, where \p{L}/\p{N} never match a surrogate pair and a one-character
/// class takes half of one, so astral characters (𠮷, 𝐇, 𝟏, emoji) would split differently. Text with surrogates is
/// therefore matched through a shadow string holding one character per code point, each astral code point replaced
/// by a BMP stand-in of the same class for this pattern (letter, digit, other), and the pieces mapped back.
/// </summary>
sealed partial class QwenPreTokenizer : PreTokenizer
{
    public const string QwenPattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    // Stand-ins: 'x' is a letter no contraction alternative can start with, '0' a digit, U+FFFD neither letter,
    // digit nor space (and what a lone surrogate becomes in UTF-8 anyway).
    const char AstralLetter = 'x', AstralDigit = '0', AstralOther = '\uFFFD';

    [GeneratedRegex(QwenPattern, RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => PreTokenize(text.ToString());

    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF') ? SplitWithSurrogates(text) : Split(text);
    }

    static List<(int, int)> Split(string text)
    {
        var pieces = new List<(int, int)>();
        foreach (ValueMatch m in Pattern().EnumerateMatches(text))
            pieces.Add((m.Index, m.Length));
        return pieces;
    }

    static List<(int, int)> SplitWithSurrogates(string text)
    {
        var shadow = new StringBuilder(text.Length);
        var offsets = new List<int>(text.Length + 1); // UTF-16 offset in text of each shadow character, plus the end
        for (int i = 0; i < text.Length; i++)
        {
            offsets.Add(i);
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                shadow.Append(StandIn(char.ConvertToUtf32(c, text[i + 1])));
                i++;
            }
            else
            {
                shadow.Append(char.IsSurrogate(c) ? AstralOther : c);
            }
        }
        offsets.Add(text.Length);

        var pieces = new List<(int, int)>();
        foreach (ValueMatch m in Pattern().EnumerateMatches(shadow.ToString()))
            pieces.Add((offsets[m.Index], offsets[m.Index + m.Length] - offsets[m.Index]));
        return pieces;
    }

    static char StandIn(int codePoint) => CharUnicodeInfo.GetUnicodeCategory(codePoint) switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => AstralLetter,
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => AstralDigit,
        _ => AstralOther,
    };
}
