using System.Text;

namespace QwenVk.Model.Text.Nfc;

/// <summary>
/// Unicode Normalization Form C (UAX #15: canonical decomposition, canonical ordering, canonical composition), from
/// the tables in <see cref="NfcData"/>. Needed because the project runs with InvariantGlobalization, where
/// string.Normalize returns its input unchanged, and because it makes tokenization independent of the host's ICU.
/// Ill-formed UTF-16 (lone surrogates) comes out as U+FFFD, as UTF-8 encoding would make it anyway.
/// </summary>
public static class NfcNormalizer
{
    const int HangulSBase = 0xAC00, HangulLBase = 0x1100, HangulVBase = 0x1161, HangulTBase = 0x11A7;
    const int HangulLCount = 19, HangulVCount = 21, HangulTCount = 28;
    const int HangulNCount = HangulVCount * HangulTCount, HangulSCount = HangulLCount * HangulNCount;

    static readonly Dictionary<int, byte> CombiningClasses = LoadCombiningClasses();
    static readonly Dictionary<int, (int First, int Second)> Decompositions = LoadDecompositions();
    static readonly Dictionary<long, int> Compositions = LoadCompositions();
    static readonly HashSet<int> MayChange = LoadMayChange();

    public static string Normalize(string text)
    {
        // Below U+0300 nothing decomposes or combines, so such text is already NFC (the common case).
        if (!text.AsSpan().ContainsAnyInRange('\u0300', '\uFFFF') || IsStable(text))
            return text;

        var codePoints = new List<int>(text.Length);
        foreach (Rune rune in text.EnumerateRunes())
            Decompose(rune.Value, codePoints);
        ReorderCanonically(codePoints);
        Compose(codePoints);

        var sb = new StringBuilder(text.Length);
        foreach (int cp in codePoints)
            sb.Append(new Rune(cp).ToString());
        return sb.ToString();
    }

    /// <summary>Quick check: text none of whose characters decomposes, combines (non-zero class) or can be the
    /// second half of a composition is already NFC. Lone surrogates must go through the full path (to U+FFFD).</summary>
    static bool IsStable(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c < '\u0300')
                continue;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                if (MayChange.Contains(char.ConvertToUtf32(c, text[++i])))
                    return false;
            }
            else if (char.IsSurrogate(c) || MayChange.Contains(c))
            {
                return false;
            }
        }
        return true;
    }

    public static int CombiningClass(int cp) => CombiningClasses.TryGetValue(cp, out byte ccc) ? ccc : 0;

    static void Decompose(int cp, List<int> output)
    {
        int s = cp - HangulSBase;
        if ((uint)s < HangulSCount)
        {
            output.Add(HangulLBase + s / HangulNCount);
            output.Add(HangulVBase + s % HangulNCount / HangulTCount);
            if (s % HangulTCount != 0)
                output.Add(HangulTBase + s % HangulTCount);
            return;
        }
        if (Decompositions.TryGetValue(cp, out var parts))
        {
            Decompose(parts.First, output);
            if (parts.Second != 0)
                Decompose(parts.Second, output);
            return;
        }
        output.Add(cp);
    }

    /// <summary>Stable sort of each run of non-starters by combining class (runs are short: insertion sort).</summary>
    static void ReorderCanonically(List<int> cps)
    {
        for (int i = 1; i < cps.Count; i++)
        {
            int ccc = CombiningClass(cps[i]);
            if (ccc == 0)
                continue;
            int j = i;
            int cp = cps[i];
            while (j > 0 && CombiningClass(cps[j - 1]) > ccc)
            {
                cps[j] = cps[j - 1];
                j--;
            }
            cps[j] = cp;
        }
    }

    /// <summary>Joins each character to the last starter when nothing between them blocks it (a starter, or a
    /// character of the same or higher combining class), in place.</summary>
    static void Compose(List<int> cps)
    {
        int starter = -1;
        int lastClass = 0;
        int count = 0;
        for (int i = 0; i < cps.Count; i++)
        {
            int cp = cps[i];
            int ccc = CombiningClass(cp);
            bool adjacent = starter >= 0 && starter == count - 1;
            if (starter >= 0 && (adjacent || (lastClass != 0 && lastClass < ccc))
                && TryCompose(cps[starter], cp, out int composite))
            {
                cps[starter] = composite;
                continue;
            }
            if (ccc == 0)
                starter = count;
            lastClass = ccc;
            cps[count++] = cp;
        }
        cps.RemoveRange(count, cps.Count - count);
    }

    static bool TryCompose(int first, int second, out int composite)
    {
        int l = first - HangulLBase, v = second - HangulVBase;
        if ((uint)l < HangulLCount && (uint)v < HangulVCount)
        {
            composite = HangulSBase + (l * HangulVCount + v) * HangulTCount;
            return true;
        }
        int s = first - HangulSBase, t = second - HangulTBase;
        if ((uint)s < HangulSCount && s % HangulTCount == 0 && t > 0 && t < HangulTCount)
        {
            composite = first + t;
            return true;
        }
        return Compositions.TryGetValue(Key(first, second), out composite);
    }

    static long Key(int first, int second) => ((long)first << 21) | (uint)second;

    static HashSet<int> LoadMayChange()
    {
        var set = new HashSet<int>(CombiningClasses.Keys);
        set.UnionWith(Decompositions.Keys);
        ReadOnlySpan<int> t = NfcData.Compositions;
        for (int i = 0; i < t.Length; i += 3)
            set.Add(t[i + 1]);
        for (int cp = HangulVBase; cp < HangulVBase + HangulVCount; cp++)
            set.Add(cp);
        for (int cp = HangulTBase + 1; cp < HangulTBase + HangulTCount; cp++)
            set.Add(cp);
        return set;
    }

    static Dictionary<int, byte> LoadCombiningClasses()
    {
        var map = new Dictionary<int, byte>();
        ReadOnlySpan<int> t = NfcData.CombiningClassRanges;
        for (int i = 0; i < t.Length; i += 3)
            for (int cp = t[i]; cp <= t[i + 1]; cp++)
                map[cp] = (byte)t[i + 2];
        return map;
    }

    static Dictionary<int, (int, int)> LoadDecompositions()
    {
        var map = new Dictionary<int, (int, int)>();
        ReadOnlySpan<int> t = NfcData.Decompositions;
        for (int i = 0; i < t.Length; i += 3)
            map[t[i]] = (t[i + 1], t[i + 2]);
        return map;
    }

    static Dictionary<long, int> LoadCompositions()
    {
        var map = new Dictionary<long, int>();
        ReadOnlySpan<int> t = NfcData.Compositions;
        for (int i = 0; i < t.Length; i += 3)
            map[Key(t[i], t[i + 1])] = t[i + 2];
        return map;
    }
}
