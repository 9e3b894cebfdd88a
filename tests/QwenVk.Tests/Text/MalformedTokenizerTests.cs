using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using QwenVk.Model.Text;
using QwenVk.Tests.Cli;

namespace QwenVk.Tests.Text;

/// <summary>tokenizer.json variants of the wrong shape: each is refused with an error naming the file, never an
/// unexplained exception from deep inside the JSON or BPE library.</summary>
public sealed class MalformedTokenizerTests
{
    static readonly Lazy<JsonObject> Real = new(() =>
    {
        using var gz = new GZipStream(File.OpenRead(RepoPaths.Fixture("qwen-tokenizer", "qwen2_5-tokenizer.json.gz")), CompressionMode.Decompress);
        return JsonNode.Parse(gz)!.AsObject();
    });

    /// <summary>A small tokenizer with Qwen's pre-tokenizer, decoder and normalizer, and its three chat tokens.</summary>
    static JsonObject Small()
    {
        var real = Real.Value;
        return new JsonObject
        {
            ["normalizer"] = real["normalizer"]!.DeepClone(),
            ["pre_tokenizer"] = real["pre_tokenizer"]!.DeepClone(),
            ["decoder"] = real["decoder"]!.DeepClone(),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["vocab"] = new JsonObject { ["a"] = 0, ["b"] = 1, ["ab"] = 2 },
                ["merges"] = new JsonArray("a b"),
            },
            ["added_tokens"] = new JsonArray(
                new JsonObject { ["id"] = 3, ["content"] = "<|endoftext|>", ["special"] = true },
                new JsonObject { ["id"] = 4, ["content"] = "<|im_start|>", ["special"] = true },
                new JsonObject { ["id"] = 5, ["content"] = "<|im_end|>", ["special"] = true }),
        };
    }

    public static TheoryData<string> Variants => new()
    {
        "root is an array", "model is a string", "merge is a number", "merge pair holds numbers", "regex is a number", "vocab id is a string",
        "vocab is empty", "merge names unknown tokens", "merge has no space", "vocab id is -1", "vocab id is 2^31-1",
        "added id is 2^31-1", "added id is a string", "added content is a number", "merges is an object",
        "pretokenizer step is a number", "type of model is a number", "no im_end token",
    };

    static JsonNode Mutate(string variant)
    {
        var t = Small();
        var model = t["model"]!.AsObject();
        switch (variant)
        {
            case "root is an array": return new JsonArray(1, 2);
            case "model is a string": t["model"] = "BPE"; break;
            case "merge is a number": model["merges"] = new JsonArray(7); break;
            case "merge pair holds numbers": model["merges"] = new JsonArray(new JsonArray(1, 2)); break;
            case "regex is a number": t["pre_tokenizer"]!["pretokenizers"]![0]!["pattern"]!["Regex"] = 5; break;
            case "vocab id is a string": model["vocab"]!["a"] = "0"; break;
            case "vocab is empty": model["vocab"] = new JsonObject(); model["merges"] = new JsonArray(); break;
            case "merge names unknown tokens": model["merges"] = new JsonArray("x y"); break;
            case "merge has no space": model["merges"] = new JsonArray("ab"); break;
            case "vocab id is -1": model["vocab"]!["a"] = -1; break;
            case "vocab id is 2^31-1": model["vocab"]!["a"] = int.MaxValue; break;
            case "added id is 2^31-1": t["added_tokens"]![0]!["id"] = int.MaxValue; break;
            case "added id is a string": t["added_tokens"]![0]!["id"] = "3"; break;
            case "added content is a number": t["added_tokens"]![0]!["content"] = 3; break;
            case "merges is an object": model["merges"] = new JsonObject(); break;
            case "pretokenizer step is a number": t["pre_tokenizer"]!["pretokenizers"]![0] = 1; break;
            case "type of model is a number": model["type"] = 1; break;
            case "no im_end token": t["added_tokens"]!.AsArray().RemoveAt(2); break;
            default: throw new ArgumentException(variant);
        }
        return t;
    }

    [Fact]
    public void TheSmallTokenizerItselfLoads()
    {
        var tok = QwenTokenizer.FromJson(Encoding.UTF8.GetBytes(Small().ToJsonString()), "small.json");
        Assert.Equal([2], tok.EncodeLiteral("ab"));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void IsRefusedNamingTheFile(string variant)
    {
        var json = Encoding.UTF8.GetBytes(Mutate(variant).ToJsonString());
        var e = Record.Exception(() => QwenTokenizer.FromJson(json, "bad-tokenizer.json"));
        Assert.NotNull(e);
        Assert.True(e is InvalidDataException or NotSupportedException, $"{variant}: {e.GetType().Name}: {e.Message}");
        Assert.StartsWith("bad-tokenizer.json:", e.Message);
    }

    [Theory]
    [InlineData("merge is a number")]
    [InlineData("vocab id is 2^31-1")]
    [InlineData("root is an array")]
    public void TheTokenizeCommandPrintsOneLine(string variant)
    {
        using var dir = new TempDir();
        var path = dir.File("tokenizer.json");
        File.WriteAllText(path, Mutate(variant).ToJsonString());
        CliRunner.AssertOneLineError(CliRunner.Run(["tokenize", "--tokenizer", path], stdin: "hello"), path);
    }
}
