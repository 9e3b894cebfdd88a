using System.Text.Json;
using QwenVk.Model.Text;

namespace QwenVk.Tests.Text;

/// <summary>Paths of the committed tokenizer fixtures (tests/fixtures/qwen-tokenizer).</summary>
public static class FixturePaths
{
    public static string Directory { get; } = RepoPaths.Fixture("qwen-tokenizer");

    public static string File(string name) => Path.Combine(Directory, name);
}

public enum TokenizerKind { Qwen25, Qwen3 }

/// <summary>One tokenizer case from golden.json (ids from Hugging Face's Rust tokenizers).</summary>
public sealed record GoldenCase(string Name, string Text, int[] Ids, int[] IdsQwen25, string? DecodedSkipSpecial)
{
    public int[] IdsFor(TokenizerKind kind) => kind == TokenizerKind.Qwen25 ? IdsQwen25 : Ids;
}

public static class Golden
{
    static readonly Lazy<JsonDocument> Doc = new(() => JsonDocument.Parse(System.IO.File.ReadAllBytes(FixturePaths.File("golden.json"))));

    public static JsonElement Root => Doc.Value.RootElement;

    /// <summary>The 34 "cases" then the 49 "astral_regression" strings (named astral_0..48).</summary>
    public static IReadOnlyList<GoldenCase> AllCases { get; } = Load();

    public static GoldenCase Case(string name) => AllCases.Single(c => c.Name == name);

    static List<GoldenCase> Load()
    {
        var result = new List<GoldenCase>();
        foreach (JsonElement c in Root.GetProperty("cases").EnumerateArray())
            result.Add(Parse(c, c.GetProperty("name").GetString()!));
        int i = 0;
        foreach (JsonElement c in Root.GetProperty("astral_regression").EnumerateArray())
            result.Add(Parse(c, $"astral_{i++}"));
        return result;
    }

    static GoldenCase Parse(JsonElement c, string name)
    {
        int[] ids = Ids(c.GetProperty("ids"));
        int[] ids25 = c.TryGetProperty("ids_qwen2_5", out var i25) ? Ids(i25) : ids;
        string? decoded = c.TryGetProperty("decoded_skip_special", out var d) ? d.GetString() : null;
        return new GoldenCase(name, c.GetProperty("text").GetString()!, ids, ids25, decoded);
    }

    static int[] Ids(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();
}

/// <summary>Both tokenizers, each loaded once (7-11 MB of JSON) for all tokenizer test classes.</summary>
public sealed class QwenTokenizers
{
    readonly Lazy<QwenTokenizer> _qwen25 = new(() => QwenTokenizer.Load(FixturePaths.File("qwen2_5-tokenizer.json.gz")));
    readonly Lazy<QwenTokenizer> _qwen3 = new(() => QwenTokenizer.Load(FixturePaths.File("qwen3-tokenizer.json.gz")));

    public QwenTokenizer Get(TokenizerKind kind) => kind == TokenizerKind.Qwen25 ? _qwen25.Value : _qwen3.Value;
}

[CollectionDefinition("qwen-tokenizers")]
public sealed class QwenTokenizersCollection : ICollectionFixture<QwenTokenizers>;
