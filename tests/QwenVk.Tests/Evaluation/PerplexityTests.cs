using System.Text.Json;
using QwenVk.Cli;
using QwenVk.Cli.Commands;
using QwenVk.Model.Evaluation;
using QwenVk.Model.Inference;
using QwenVk.Model.Text;
using QwenVk.Reference.Model;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Tests.Evaluation;

/// <summary>`qwenvk perplexity` on the trained demo model against a perplexity computed here from the double
/// CPU reference's logits with the same windowing, and its answers to bad input.</summary>
[Collection("gpu")]
public sealed class PerplexityTests(GpuFixture gpu)
{
    static string Model => RepoPaths.Fixture("brown-qwen2-tiny");
    static string Text => RepoPaths.Fixture("texts", "gettysburg-address.txt");

    /// <summary>Written from the definition, sharing nothing with the engine's windowing: consecutive windows of ctx
    /// tokens, a partial last one dropped, token j of a window (j from firstScored) scored by the log-softmax of the
    /// logits at position j - 1.</summary>
    static (double Ppl, long Scored, int Windows) CpuPerplexity(int[] tokens, int ctx, int firstScored, string quant = "f16")
    {
        var cpu = quant == "f16" ? CpuQwenModel.Load(Model) : CpuQwenModel.LoadQuantized(Model, quant);
        double nll = 0;
        long scored = 0;
        int windows = 0;
        for (int start = 0; start + ctx <= tokens.Length; start += ctx, windows++)
        {
            var window = tokens[start..(start + ctx)];
            var logits = cpu.Forward(window);
            for (int j = firstScored; j < ctx; j++)
            {
                var row = logits[j - 1];
                double max = row.Max();
                double logSum = max + Math.Log(row.Sum(v => Math.Exp(v - max)));
                nll += logSum - row[window[j]];
                scored++;
            }
        }
        return (Math.Exp(nll / scored), scored, windows);
    }

    static JsonElement RunJson(VulkanContext ctx, PerplexityArguments a)
    {
        var output = new StringWriter();
        Assert.Equal(0, PerplexityCommand.Run(ctx, new ModelArgument.Resolved(Model, "brown-qwen2-tiny"), a with { Json = true }, output, interactive: false));
        return JsonDocument.Parse(output.ToString()).RootElement.Clone();
    }

    [Theory]
    [InlineData(64, false, "f16")]
    [InlineData(48, true, "f16")]
    [InlineData(64, false, "q8_0")]
    [InlineData(64, false, "q4_0")]
    public void CliPerplexityMatchesTheCpuReferenceWithin0Point1Percent(int ctx, bool secondHalf, string quant)
    {
        Assert.True(WeightQuantNames.TryParse(quant, out var q));
        var json = RunJson(gpu.Ctx, new PerplexityArguments(Text, ctx, secondHalf ? PerplexityScoring.SecondHalf : PerplexityScoring.AfterFirst, Quant: q));
        Assert.Equal(["ctx", "nll", "ppl", "tokens_scored", "windows"], json.EnumerateObject().Select(p => p.Name).Order());

        var tokens = QwenTokenizer.Load(Path.Combine(Model, "tokenizer.json")).EncodeLiteral(File.ReadAllText(Text));
        var (ppl, scored, windows) = CpuPerplexity(tokens, ctx, secondHalf ? ctx / 2 + 1 : 1, quant);
        Assert.True(windows >= 4, $"the test text gives only {windows} windows of {ctx}");
        Assert.Equal(ctx, json.GetProperty("ctx").GetInt32());
        Assert.Equal(windows, json.GetProperty("windows").GetInt32());
        Assert.Equal(scored, json.GetProperty("tokens_scored").GetInt64());
        double got = json.GetProperty("ppl").GetDouble();
        Assert.True(Math.Abs(got - ppl) <= 1e-3 * ppl, $"ppl {got} against the CPU reference's {ppl}: {Math.Abs(got / ppl - 1):P3} apart");
        Assert.Equal(Math.Log(got), json.GetProperty("nll").GetDouble(), 9);
        // A trained model on English: far below the 8064 of a uniform guess.
        Assert.InRange(got, 10, 2000);
        gpu.AssertClean();
    }

    /// <summary>Windows longer than one graph run in pieces: down to a piece of one token, which runs the decode-shaped
    /// graph with the log-probability tail. The result must not depend on the piece length.</summary>
    [Fact]
    public void WindowsRunInPiecesGiveTheSamePerplexity()
    {
        var json = RunJson(gpu.Ctx, new PerplexityArguments(Text, 64));
        var tokens = QwenTokenizer.Load(Path.Combine(Model, "tokenizer.json")).EncodeLiteral(File.ReadAllText(Text));
        // 63 tokens per window: pieces of 31, 31 and 1.
        using var model = QwenModel.Load(gpu.Ctx, Model, new ModelOptions { ContextLength = 64, MaxPrefillTokens = 31 });
        var pieces = Perplexity.Evaluate(model, tokens, 64);
        Assert.Equal(json.GetProperty("tokens_scored").GetInt64(), pieces.TokensScored);
        Assert.Equal(json.GetProperty("ppl").GetDouble(), pieces.Ppl, 1e-4 * pieces.Ppl);
        Assert.Equal(0, model.Position);
        gpu.AssertClean();
    }

    static Exception BadInput(VulkanContext ctx, PerplexityArguments a)
    {
        var e = Record.Exception(() => PerplexityCommand.Run(ctx, new ModelArgument.Resolved(Model, "brown-qwen2-tiny"), a, TextWriter.Null, interactive: false));
        Assert.NotNull(e);
        Assert.True(CliErrors.IsUserFacing(e), $"{e.GetType().Name} would reach the user as a stack trace: {e.Message}");
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    [Fact]
    public void BadInputGivesOneLineErrorsNamingTheLimit()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("empty.txt"), "");
        var e = BadInput(gpu.Ctx, new PerplexityArguments(dir.File("empty.txt")));
        Assert.Contains("empty.txt", e.Message);
        Assert.Contains("is empty", e.Message);

        // The Gettysburg Address is about 360 tokens: shorter than one window of the model's whole context.
        e = BadInput(gpu.Ctx, new PerplexityArguments(Text, 2048));
        Assert.Matches(@"is \d+ tokens, shorter than one window of --ctx 2048; use a longer text or --ctx \d+ or less", e.Message);

        e = BadInput(gpu.Ctx, new PerplexityArguments(Text, 4096));
        Assert.Contains("max_position_embeddings 2048", e.Message);
        Assert.Contains("--ctx 2048 or less", e.Message);

        e = BadInput(gpu.Ctx, new PerplexityArguments(Text, 1));
        Assert.Contains("--ctx 1 is too short", e.Message);
        e = BadInput(gpu.Ctx, new PerplexityArguments(Text, 2, PerplexityScoring.SecondHalf));
        Assert.Contains("at least 3", e.Message);

        File.WriteAllBytes(dir.File("latin1.txt"), [(byte)'c', (byte)'a', (byte)'f', 0xE9, (byte)' ', (byte)'x']);
        e = BadInput(gpu.Ctx, new PerplexityArguments(dir.File("latin1.txt")));
        Assert.Contains("not valid UTF-8 (bad byte at offset 3)", e.Message);

        e = BadInput(gpu.Ctx, new PerplexityArguments(dir.File("missing.txt")));
        Assert.Contains("missing.txt", e.Message);
        Assert.Contains("does not exist", e.Message);
        gpu.AssertClean();
    }

    [Fact]
    public void AWindowLongerThanTheLoadedContextIsRefused()
    {
        using var model = QwenModel.Load(gpu.Ctx, Model, new ModelOptions { ContextLength = 32 });
        var e = Assert.Throws<ArgumentException>(() => Perplexity.Evaluate(model, Enumerable.Range(0, 200).ToArray(), 64));
        Assert.Contains("--ctx 64 is over the context this model was loaded with (32 tokens", e.Message);
        gpu.AssertClean();
    }
}
