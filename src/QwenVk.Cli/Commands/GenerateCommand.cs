using System.CommandLine;
using System.Text;
using System.Text.Json;
using QwenVk.Model.Generation;
using QwenVk.Model.Inference;
using QwenVk.Model.Text;

namespace QwenVk.Cli.Commands;

/// <summary>`qwenvk generate`: one prompt in, streamed text out (or JSON with ids, text and timings).</summary>
static class GenerateCommand
{
    public static Command Create()
    {
        var model = ModelArgument.Option();
        var demo = ModelArgument.DemoOption();
        var prompt = new Option<string?>("--prompt", "-p") { Description = "The prompt text ('-' reads it from stdin). By default it is sent as a user message through the model's chat template." };
        var promptFile = new Option<string?>("--prompt-file", "-f") { Description = "Read the prompt text from this file (UTF-8), for prompts longer than a command line." };
        var promptIds = new Option<string?>("--prompt-ids") { Description = "The prompt as comma-separated token ids, used as they are (no template, no tokenizer needed)." };
        var raw = new Option<bool>("--raw") { Description = "Send the prompt text without the chat template (a completion). Special-token text in it, such as <|im_start|>, becomes those tokens, so a hand-written template works; add --literal to encode it as plain text. Always so with --demo." };
        var literal = new Option<bool>("--literal") { Description = "With --raw: encode special-token text in the prompt as plain text (a user message through the template always is)." };
        var system = new Option<string?>("--system") { Description = "System prompt for the chat template (Qwen2.5 has its own default)." };
        var think = new Option<bool>("--think") { Description = "Qwen3: let the model think before answering (its <think> block is shown)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (generated ids, text, timings, the seed used) instead of streaming text." };
        var device = CliCommon.DeviceOption();
        var quant = CliCommon.QuantOption();
        var ctxLen = CliCommon.ContextOption();
        var args = new GenerationArguments();
        var cmd = new Command("generate", "Generate text from a prompt, streamed as it is produced.")
        {
            model, demo, prompt, promptFile, promptIds, raw, literal, system, think, json, device, ctxLen, quant,
        };
        args.AddTo(cmd);
        cmd.SetAction(async (r, _) =>
        {
            // Everything the command line alone can refute is refuted before a model is loaded.
            int sources = new object?[] { r.GetValue(prompt), r.GetValue(promptFile), r.GetValue(promptIds) }.Count(v => v is not null);
            if (sources != 1)
                throw new ArgumentException("give exactly one of --prompt TEXT (or - for stdin), --prompt-file FILE, --prompt-ids 1,2,3.");
            if (r.GetValue(literal) && !r.GetValue(raw))
                throw new ArgumentException("--literal applies to --raw prompts; a prompt sent through the chat template is always encoded literally.");
            if (r.GetValue(promptIds) is not null && (r.GetValue(raw) || r.GetValue(system) is not null || r.GetValue(think)))
                throw new ArgumentException("--prompt-ids are used as they are; --raw, --system and --think apply to prompt text.");
            bool isDemo = r.GetValue(demo);
            // The demo model never saw a chat template: a templated prompt would only be noise to it.
            if (isDemo && (r.GetValue(system) is not null || r.GetValue(think)))
                throw new ArgumentException("--system and --think need a chat model; the --demo model only completes raw text (drop them, or use --model).");
            bool rawText = r.GetValue(raw) || isDemo;
            CliCommon.CheckContext(r.GetValue(ctxLen));
            args.Validate(r);
            int[]? givenIds = r.GetValue(promptIds) is { } idText ? CliCommon.ParseIds(idText, "--prompt-ids") : null;
            string? text = givenIds is null ? ReadPrompt(r.GetValue(prompt), r.GetValue(promptFile)) : null;

            var resolved = ModelArgument.Resolve(r.GetValue(model), isDemo, text is null ? null : "the prompt is completed as raw text (no chat template)");
            using var ctx = CliCommon.OpenDevice(r.GetValue(device));
            using var engine = CliCommon.LoadEngine(ctx, resolved, new ModelOptions { ContextLength = r.GetValue(ctxLen), Quant = r.GetValue(quant) });
            if (text is not null && !engine.HasTokenizer)
                throw new FileNotFoundException($"{resolved.Folder} has no tokenizer.json, so it cannot encode text; give the prompt as --prompt-ids 1,2,3 (the reply is then ids too), or copy tokenizer.json from the model's Hugging Face repo.");
            var options = args.Read(r, engine.DefaultSampling);
            int[] ids = givenIds
                ?? (rawText ? (r.GetValue(literal) ? engine.Tokenizer.EncodeLiteral(text!) : engine.Tokenizer.Encode(text!))
                    : engine.Tokenizer.Encode(engine.Template.Render(Turns(r.GetValue(system), text!), true, r.GetValue(think))));

            using var stop = CtrlC.Begin();
            var generated = new List<int>();
            var reply = new StringBuilder();
            bool stream = !r.GetValue(json);
            try
            {
                await foreach (var t in engine.GenerateTokensAsync(ids, options, stop.Token))
                {
                    generated.Add(t.Id);
                    reply.Append(t.Text);
                    if (!stream) continue;
                    // Ids in, ids out when there is no tokenizer to turn them into text.
                    Console.Write(engine.HasTokenizer ? t.Text : (generated.Count > 1 ? " " : "") + t.Id);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                Console.Error.WriteLine("\n[cancelled]");
            }
            var stats = engine.LastStats;
            if (stream)
            {
                Console.WriteLine();
                if (stats is not null)
                    Console.Error.WriteLine($"[{stats.PromptTokens} prompt tokens at {stats.PromptTokensPerSecond:F1} tok/s, {stats.GeneratedTokens} generated at {stats.GenerationTokensPerSecond:F1} tok/s; stop: {stats.StopReason}; seed {stats.Seed}]");
                return 0;
            }
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                model = resolved.Name,
                folder = resolved.Folder,
                prompt_ids = ids,
                generated_ids = generated,
                text = engine.HasTokenizer ? reply.ToString() : null,
                prompt_tokens = stats?.PromptTokens,
                generated_tokens = stats?.GeneratedTokens,
                prompt_seconds = stats?.PromptSeconds,
                generation_seconds = stats?.GenerationSeconds,
                prompt_tok_s = stats?.PromptTokensPerSecond,
                generation_tok_s = stats?.GenerationTokensPerSecond,
                stop_reason = stats?.StopReason.ToString(),
                // The seed actually used, also when none was given: --seed with it repeats this run.
                seed = stats?.Seed,
            }, CliJson.Options));
            return 0;
        });
        return cmd;
    }

    /// <summary>The prompt from --prompt (or stdin for "-") or --prompt-file.</summary>
    static string ReadPrompt(string? prompt, string? file)
    {
        string text;
        if (file is not null)
        {
            if (!File.Exists(file)) throw new FileNotFoundException($"--prompt-file {file}: no such file.", file);
            text = File.ReadAllText(file, new UTF8Encoding(false));
        }
        else if (prompt == "-")
        {
            using var stdin = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false));
            text = stdin.ReadToEnd();
        }
        else text = prompt!;
        if (text.Length == 0) throw new ArgumentException("the prompt is empty.");
        return text;
    }

    static List<ChatTurn> Turns(string? system, string user)
    {
        var turns = new List<ChatTurn>();
        if (system is not null) turns.Add(ChatTurn.System(system));
        turns.Add(ChatTurn.User(user));
        return turns;
    }
}
