using System.Text.Json;
using System.Text.Json.Nodes;

namespace QwenVk.Tests.Cli;

/// <summary>Two tiny checkpoints (with and without a tokenizer) and a Hugging Face cache holding the first as
/// acme/tiny, made once for the command-line tests.</summary>
public sealed class CliModels : IDisposable
{
    readonly TempDir _dir = new();
    public string WithTokenizer { get; }
    public string WithoutTokenizer { get; }
    public string HubCache { get; }
    public const string RepoId = "acme/tiny";

    public CliModels()
    {
        WithTokenizer = TestModels.Make(Path.Combine(_dir.Path, "tiny"), tokenizer: true, maxPositions: 512);
        WithoutTokenizer = TestModels.Make(Path.Combine(_dir.Path, "ids-only"), tokenizer: false);
        HubCache = Path.Combine(_dir.Path, "hub");
        const string commit = "0123456789abcdef0123456789abcdef01234567";
        var repo = Path.Combine(HubCache, "models--acme--tiny");
        Directory.CreateDirectory(Path.Combine(repo, "refs"));
        File.WriteAllText(Path.Combine(repo, "refs", "main"), commit);
        var snapshot = Path.Combine(repo, "snapshots", commit);
        Directory.CreateDirectory(snapshot);
        foreach (var f in Directory.GetFiles(WithTokenizer)) File.Copy(f, Path.Combine(snapshot, Path.GetFileName(f)));
    }

    public Dictionary<string, string?> HubEnv => new() { ["HF_HUB_CACHE"] = HubCache, ["HF_HUB_OFFLINE"] = "1" };

    public string Temp(string name) => _dir.File(name);

    public void Dispose() => _dir.Dispose();
}

public sealed class CommandLineTests(CliModels m) : IClassFixture<CliModels>
{
    static JsonNode Json(CliRunner.Result r)
    {
        Assert.True(r.ExitCode == 0, r.ToString());
        return JsonNode.Parse(r.Out)!;
    }

    static int[] Ids(JsonNode json, string field) => json[field]!.AsArray().Select(x => (int)x!).ToArray();

    [Theory]
    [InlineData("generate", "--prompt", "hi", "-n", "2")]
    [InlineData("bench", "-p", "4", "-n", "2", "-r", "1")]
    [InlineData("graph")]
    [InlineData("logits", "--ids", "1,2")]
    [InlineData("tokenize")]
    public void EveryCommandTakesARepoIdFromTheCache(params string[] args)
    {
        var list = args.Concat(["--model", CliModels.RepoId]).ToList();
        if (args[0] == "logits") list.AddRange(["--out", m.Temp($"logits-{Guid.NewGuid():N}.npy")]);
        var r = CliRunner.Run(list, stdin: "hello", env: m.HubEnv);
        Assert.True(r.ExitCode == 0, r.ToString());
        // The load line names what the user asked for, not the snapshot's commit folder.
        if (args[0] != "tokenize") Assert.Contains($"loaded {CliModels.RepoId}", r.Err);
        Assert.DoesNotContain("0123456789abcdef", r.Err);
    }

    [Fact]
    public void AnUncachedRepoIdOfflineSaysWhatElseToDoInOneLine()
    {
        var r = CliRunner.Run(["generate", "--model", "acme/missing", "--prompt", "hi"], env: m.HubEnv);
        CliRunner.AssertOneLineError(r, "acme/missing", "--demo", "offline");
    }

    [Fact]
    public void PromptIdsWorkWithoutATokenizerIdsInIdsOut()
    {
        var r = CliRunner.Run(["generate", "--model", m.WithoutTokenizer, "--prompt-ids", "1,2,3", "-n", "4", "--temperature", "0"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var ids = r.Out.Trim().Split(' ').Select(int.Parse).ToArray();
        Assert.InRange(ids.Length, 1, 4); // fewer when the model samples its eos id
        var json = Json(CliRunner.Run(["generate", "--model", m.WithoutTokenizer, "--prompt-ids", "1,2,3", "-n", "4", "--temperature", "0", "--json"]));
        Assert.Equal(ids, Ids(json, "generated_ids"));
        Assert.Null(json["text"]);
        // Text needs a tokenizer, and the error says how to go without one.
        CliRunner.AssertOneLineError(CliRunner.Run(["generate", "--model", m.WithoutTokenizer, "--prompt", "hi"]), "tokenizer.json", "--prompt-ids");
    }

    [Fact]
    public void OptionsAreValidatedBeforeTheModelIsLoadedAndNamedAsFlags()
    {
        var missing = m.Temp("no-such-model");
        var r = CliRunner.Run(["generate", "--model", missing, "--prompt", "hi", "--stop", ""]);
        CliRunner.AssertOneLineError(r, "--stop");
        Assert.DoesNotContain("StopStrings", r.Err);
        CliRunner.AssertOneLineError(CliRunner.Run(["generate", "--model", missing, "--prompt", "hi", "--top-p", "0"]), "--top-p");
        CliRunner.AssertOneLineError(CliRunner.Run(["chat", "--model", missing, "--temperature", "-1"]), "--temperature");
    }

    [Fact]
    public void AContextBeyondTheTrainedPositionsIsRefused()
    {
        var r = CliRunner.Run(["generate", "--model", m.WithTokenizer, "--prompt", "hi", "--ctx", "1024", "-n", "1"]);
        CliRunner.AssertOneLineError(r, "max_position_embeddings", "512");
    }

    [Fact]
    public void GenerationConfigOutOfRangeIsNamedAtLoad()
    {
        using var dir = new TempDir();
        foreach (var f in Directory.GetFiles(m.WithTokenizer)) File.Copy(f, Path.Combine(dir.Path, Path.GetFileName(f)));
        TestModels.EditConfig(dir.Path, g => g["top_p"] = 0, "generation_config.json");
        CliRunner.AssertOneLineError(CliRunner.Run(["generate", "--model", dir.Path, "--prompt", "hi"]), "generation_config.json", "top_p");
    }

    [Fact]
    public void OutOnAFolderSaysItIsAFolder()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run(["logits", "--model", m.WithTokenizer, "--ids", "1", "--out", dir.Path]);
        CliRunner.AssertOneLineError(r, "--out", "is a folder");
    }

    [Fact]
    public void PromptFromAFileOrStdinIsThePromptFromTheCommandLine()
    {
        const string prompt = "Why is the sky blue? Explain <|im_start|> briefly.";
        string[] common = ["generate", "--model", m.WithTokenizer, "-n", "3", "--temperature", "0", "--json"];
        var inline = Json(CliRunner.Run([.. common, "--prompt", prompt]));
        var file = m.Temp("prompt.txt");
        File.WriteAllText(file, prompt);
        var fromFile = Json(CliRunner.Run([.. common, "--prompt-file", file]));
        var fromStdin = Json(CliRunner.Run([.. common, "--prompt", "-"], stdin: prompt));
        Assert.Equal(Ids(inline, "prompt_ids"), Ids(fromFile, "prompt_ids"));
        Assert.Equal(Ids(inline, "prompt_ids"), Ids(fromStdin, "prompt_ids"));
        Assert.Equal(Ids(inline, "generated_ids"), Ids(fromStdin, "generated_ids"));
    }

    [Fact]
    public void RawParsesSpecialTokensAndLiteralKeepsThemText()
    {
        const int imStart = 151644;
        string[] common = ["generate", "--model", m.WithTokenizer, "-n", "1", "--json", "--raw", "--prompt", "<|im_start|>user"];
        Assert.Contains(imStart, Ids(Json(CliRunner.Run(common)), "prompt_ids"));
        Assert.DoesNotContain(imStart, Ids(Json(CliRunner.Run([.. common, "--literal"])), "prompt_ids"));
    }

    [Fact]
    public void JsonPrintsTheSeedUsedAndItRepeatsTheRun()
    {
        string[] common = ["generate", "--model", m.WithTokenizer, "--prompt", "Once", "-n", "6", "--temperature", "1.5", "--top-k", "0", "--top-p", "1", "--json"];
        var first = Json(CliRunner.Run(common));
        Assert.NotNull(first["seed"]);
        var seed = first["seed"]!.GetValue<ulong>();
        var again = Json(CliRunner.Run([.. common, "--seed", seed.ToString()]));
        Assert.Equal(seed, again["seed"]!.GetValue<ulong>());
        Assert.Equal(Ids(first, "generated_ids"), Ids(again, "generated_ids"));
    }

    [Fact]
    public void ValidationMessagesArePrintedAndFailEveryCommand()
    {
        // Best-practice warnings are certain on any run (small allocations), so they stand in for a real finding.
        var settings = m.Temp("best-practices.txt");
        File.WriteAllText(settings, "khronos_validation.enables = VK_VALIDATION_FEATURE_ENABLE_BEST_PRACTICES_EXT\nkhronos_validation.report_flags = error,warn,perf\n");
        var env = new Dictionary<string, string?> { ["QWENVK_VALIDATION"] = "1", ["VK_LAYER_SETTINGS_PATH"] = settings };
        var r = CliRunner.Run(["logits", "--model", m.WithTokenizer, "--ids", "1,2", "--out", m.Temp("v.npy")], env: env);
        Assert.Contains("validation: ", r.Err);
        CliRunner.AssertOneLineError(r, "validation");
    }
}

public sealed class MakeModelTests
{
    [Fact]
    public void AModelMadeWithATokenizerCoversItsIdsAndGeneratesText()
    {
        using var dir = new TempDir();
        var tokenizer = RepoPaths.Fixture("qwen-tokenizer", "qwen2_5-tokenizer.json.gz");
        var folder = Path.Combine(dir.Path, "m");
        var made = CliRunner.Run(["make-model", "--arch", "qwen2", "--out", folder, "--hidden", "32", "--tokenizer", tokenizer]);
        Assert.True(made.ExitCode == 0, made.ToString());
        var r = CliRunner.Run(["generate", "--model", folder, "--prompt", "hi", "-n", "2", "--temperature", "0"]);
        Assert.True(r.ExitCode == 0, r.ToString());

        var tooSmall = CliRunner.Run(["make-model", "--arch", "qwen2", "--out", Path.Combine(dir.Path, "small"), "--vocab", "512", "--tokenizer", tokenizer]);
        CliRunner.AssertOneLineError(tooSmall, "--vocab", "512");
    }
}
