using System.Text.Json;
using QwenVk.Model.Text.Nfc;

namespace QwenVk.Tests.Text;

/// <summary>NFC against Python's unicodedata (nfc_cases.json, made by make_nfc_cases.py): reordering, multi-level
/// decompositions, exclusions, singletons, Hangul, starter+starter and astral compositions.</summary>
public sealed class NfcNormalizerTests
{
    [Fact]
    public void MatchesPythonUnicodedata()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(FixturePaths.File("nfc_cases.json")));
        var failures = new List<string>();
        int count = 0;
        foreach (JsonElement c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            string text = c.GetProperty("text").GetString()!, expected = c.GetProperty("nfc").GetString()!;
            string actual = NfcNormalizer.Normalize(text);
            if (actual != expected)
                failures.Add($"{Escape(text)}: expected {Escape(expected)}, got {Escape(actual)}");
            count++;
        }
        Assert.True(count > 400, $"only {count} cases read");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    [Fact]
    public void LoneSurrogatesBecomeReplacementCharacters() =>
        Assert.Equal("a\uFFFDb\uFFFD", NfcNormalizer.Normalize("a\uD800b\uDC00"));

    static string Escape(string s) => string.Concat(s.EnumerateRunes().Select(r => r.Value < 128 ? r.ToString() : $"U+{r.Value:X4} "));
}
