using System.CommandLine;
using System.Text.Json;
using QwenVk.Model.Checkpoints;
using QwenVk.Model.Evaluation;
using QwenVk.Model.Inference;
using QwenVk.Model.Text;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Cli.Commands;

/// <summary>What `qwenvk perplexity` was asked for, apart from the model and the device.</summary>
sealed record PerplexityArguments(string File, int Ctx = 512, PerplexityScoring Scoring = PerplexityScoring.AfterFirst, bool Json = false,
    WeightQuant Quant = WeightQuant.F16);

/// <summary>`qwenvk perplexity`: llama-perplexity's measure on a text file (see <see cref="Perplexity"/>).</summary>
static class PerplexityCommand
{
    public static Command Create()
    {
        var model = ModelArgument.Option();
        var demo = ModelArgument.DemoOption();
        var file = new Option<string>("--file", "-f") { Description = "The text to score (UTF-8), tokenized as a whole as literal text (no special tokens).", Required = true };
        var ctxLen = new Option<int>("--ctx", "-c")
        {
            Description = "Window length in tokens: the text is cut into consecutive windows of this many tokens (a last partial one is dropped), each scored from an empty cache.",
            DefaultValueFactory = _ => 512,
        };
        var secondHalf = new Option<bool>("--score-second-half")
        {
            Description = "Score only the second half of each window (positions ctx/2+1 .. ctx-1), as llama.cpp's llama-perplexity does, for a like-for-like figure. Default: every token after a window's first.",
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object: {\"ppl\", \"nll\", \"tokens_scored\", \"windows\", \"ctx\"}." };
        var device = CliCommon.DeviceOption();
        var quant = CliCommon.QuantOption();
        var cmd = new Command("perplexity", "Perplexity of a model on a text file: exp of the mean negative log-likelihood of its tokens, in windows of --ctx tokens (llama-perplexity's measure).")
        {
            model, demo, file, ctxLen, secondHalf, json, device, quant,
        };
        cmd.SetAction(r =>
        {
            var a = new PerplexityArguments(r.GetValue(file)!, r.GetValue(ctxLen),
                r.GetValue(secondHalf) ? PerplexityScoring.SecondHalf : PerplexityScoring.AfterFirst, r.GetValue(json), r.GetValue(quant));
            var resolved = ModelArgument.Resolve(r.GetValue(model), r.GetValue(demo), "scoring raw text");
            using var ctx = CliCommon.OpenDevice(r.GetValue(device));
            return Run(ctx, resolved, a, Console.Out, interactive: true);
        });
        return cmd;
    }

    /// <summary>The command after parsing, on a device the caller owns. The text and the window are checked before
    /// any weight is loaded. <paramref name="interactive"/>: progress bars on stderr (else nothing on stderr).</summary>
    internal static int Run(VulkanContext ctx, ModelArgument.Resolved resolved, PerplexityArguments a, TextWriter output, bool interactive)
    {
        string folder = resolved.Folder;
        var config = QwenConfig.Load(Path.Combine(folder, "config.json"));
        Perplexity.CheckWindow(a.Ctx, a.Scoring, config.MaxPositionEmbeddings, textTokens: null);
        var tokenizerFile = Path.Combine(folder, "tokenizer.json");
        if (!File.Exists(tokenizerFile))
            throw new FileNotFoundException($"'{folder}' has no tokenizer.json; perplexity tokenizes the text with the model's tokenizer (copy it from the Hugging Face repo).", tokenizerFile);
        var tokens = QwenTokenizer.Load(tokenizerFile).EncodeLiteral(Perplexity.ReadText(a.File));
        Perplexity.CheckWindow(a.Ctx, a.Scoring, config.MaxPositionEmbeddings, tokens.Length, $"'{a.File}'");

        // The KV cache holds one window. Model-loading choices common to every command belong in these options.
        var options = new ModelOptions { ContextLength = a.Ctx, Quant = a.Quant };
        using var model = interactive ? CliCommon.LoadModel(ctx, resolved, options) : QwenModel.Load(ctx, folder, options);
        var result = interactive ? WithProgress(tokens.Length / a.Ctx, p => Perplexity.Evaluate(model, tokens, a.Ctx, a.Scoring, p))
            : Perplexity.Evaluate(model, tokens, a.Ctx, a.Scoring);

        if (a.Json)
        {
            output.WriteLine(JsonSerializer.Serialize(new
            {
                ppl = result.Ppl,
                nll = result.Nll,
                tokens_scored = result.TokensScored,
                windows = result.Windows,
                ctx = result.Ctx,
            }, CliJson.Options));
            return 0;
        }
        int unused = result.TextTokens - result.Windows * result.Ctx;
        output.WriteLine($"ppl            {result.Ppl:F4}");
        output.WriteLine($"nll            {result.Nll:F6}  (mean, nats per token)");
        output.WriteLine($"tokens_scored  {result.TokensScored}  ({(a.Scoring == PerplexityScoring.SecondHalf ? "positions ctx/2+1 .. ctx-1 of each window, llama-perplexity's rule" : "every token after a window's first")})");
        output.WriteLine($"windows        {result.Windows}");
        output.WriteLine($"ctx            {result.Ctx}");
        output.WriteLine($"text           {a.File}: {result.TextTokens} tokens{(unused > 0 ? $", the last {unused} (a partial window) not scored" : "")}");
        return 0;
    }

    static PerplexityResult WithProgress(int windows, Func<IProgress<int>?, PerplexityResult> evaluate) =>
        CliCommon.WithProgressBar<int, PerplexityResult>($"scoring {windows} windows", seconds => $"scored {windows} windows in {seconds:F1} s",
            windows, evaluate, (task, done) => task.Value = done);
}
