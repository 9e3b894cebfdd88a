using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace QwenVk.Model.Text;

/// <summary>
/// Qwen's pre-tokenizer split pattern, rewritten for .NET. Hugging Face runs it with Oniguruma on code points; .NET
/// regex runs on UTF-16 code units, where \p{L} and \p{N} never match a surrogate pair, so letters and digits outside
/// the Basic Multilingual Plane (𠮷, 𝐇, 𝟏) would be split as punctuation and give different ids. The rewrite adds the
/// astral letters/digits (as surrogate-pair alternatives) to every \p{L}/\p{N}, and makes the negated classes consume
/// a whole surrogate pair only when it is not a letter/digit.
/// </summary>
internal static class QwenPreTokenizerRegex
{
    public const string QwenPattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    public static Regex Create() =>
        new(BuildPattern(), RegexOptions.Compiled | RegexOptions.CultureInvariant);

    internal static string BuildPattern()
    {
        string astralLetters = AstralAlternation(IsLetter);
        string astralDigits = AstralAlternation(IsNumber);
        string astralLetterOrDigit = $"{astralLetters}|{astralDigits}";
        string letter = $@"(?:\p{{L}}|{astralLetters})";
        string number = $@"(?:\p{{N}}|{astralDigits})";
        // A surrogate that is not half of a valid pair: Hugging Face never sees one (Rust strings are valid UTF-8),
        // .NET strings can hold one; treat it as a non-letter, non-space character like U+FFFD it becomes.
        const string loneSurrogate = @"[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]";
        string NotIn(string bmpExclusions) =>
            $@"(?:[^{bmpExclusions}\p{{L}}\p{{N}}\uD800-\uDFFF]|(?!{astralLetterOrDigit})[\uD800-\uDBFF][\uDC00-\uDFFF]|{loneSurrogate})";

        return @"(?i:'s|'t|'re|'ve|'m|'ll|'d)"
            + $"|{NotIn(@"\r\n")}?{letter}+"
            + $"|{number}"
            + $@"| ?{NotIn(@"\s")}+[\r\n]*"
            + @"|\s*[\r\n]+|\s+(?!\S)|\s+";
    }

    private static bool IsLetter(UnicodeCategory c) => c is UnicodeCategory.UppercaseLetter
        or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter
        or UnicodeCategory.OtherLetter;

    private static bool IsNumber(UnicodeCategory c) => c is UnicodeCategory.DecimalDigitNumber
        or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    /// <summary>All astral code points of the wanted categories as an alternation of surrogate-pair ranges.</summary>
    private static string AstralAlternation(Func<UnicodeCategory, bool> wanted)
    {
        var parts = new List<string>();
        int rangeStart = -1;
        for (int cp = 0x10000; cp <= 0x110000; cp++)
        {
            bool inSet = cp <= 0x10FFFF && wanted(CharUnicodeInfo.GetUnicodeCategory(cp));
            if (inSet && rangeStart < 0)
                rangeStart = cp;
            else if (!inSet && rangeStart >= 0)
            {
                AppendRange(parts, rangeStart, cp - 1);
                rangeStart = -1;
            }
        }
        return string.Join("|", parts);
    }

    private static void AppendRange(List<string> parts, int first, int last)
    {
        (char hiFirst, char loFirst) = Split(first);
        (char hiLast, char loLast) = Split(last);
        if (hiFirst == hiLast)
        {
            parts.Add($"{U(hiFirst)}[{U(loFirst)}-{U(loLast)}]");
            return;
        }
        parts.Add($@"{U(hiFirst)}[{U(loFirst)}-\uDFFF]");
        if (hiLast - hiFirst > 1)
            parts.Add($@"[{U((char)(hiFirst + 1))}-{U((char)(hiLast - 1))}][\uDC00-\uDFFF]");
        parts.Add($@"{U(hiLast)}[\uDC00-{U(loLast)}]");
    }

    private static (char High, char Low) Split(int codePoint)
    {
        Span<char> pair = stackalloc char[2];
        new Rune(codePoint).EncodeToUtf16(pair);
        return (pair[0], pair[1]);
    }

    private static string U(char c) => $@"\u{(int)c:X4}";
}
