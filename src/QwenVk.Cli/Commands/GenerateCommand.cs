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
        var prompt = new Option<string?>("--prompt", "-p") { Description = "The prompt text. By default it is sent as a user message through the model's chat template." };
        var promptIds = new Option<string?>("--prompt-ids") { Description = "The prompt as comma-separated token ids, used as they are (no template)." };
        var raw = new Option<bool>("--raw") { Description = "Send --prompt as plain text, without the chat template (a completion)." };
        var system = new Option<string?>("--system") { Description = "System prompt for the chat template (Qwen2.5 has its own default)." };
        var think = new Option<bool>("--think") { Description = "Qwen3: let the model think before answering (its <think> block is shown)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (generated ids, text, timings) instead of streaming text." };
        var device = CliCommon.DeviceOption();
        var ctxLen = CliCommon.ContextOption();
        var args = new GenerationArguments();
        var cmd = new Command("generate", "Generate text from a prompt, streamed as it is produced.")
        {
            model, demo, prompt, promptIds, raw, system, think, json, device, ctxLen,
        };
        args.AddTo(cmd);
        cmd.SetAction(async (r, cancel) =>
        {
            if ((r.GetValue(prompt) is null) == (r.GetValue(promptIds) is null))
                throw new ArgumentException("give exactly one of --prompt TEXT or --prompt-ids 1,2,3.");
            var folder = ModelArgument.Resolve(r.GetValue(model), r.GetValue(demo));
            using var ctx = CliCommon.OpenDevice(r.GetValue(device));
            using var engine = CliCommon.LoadEngine(ctx, folder, new ModelOptions { ContextLength = r.GetValue(ctxLen) });
            var options = args.Read(r, engine.DefaultSampling);
            int[] ids = r.GetValue(promptIds) is { } idText ? CliCommon.ParseIds(idText, "--prompt-ids")
                : r.GetValue(raw) ? engine.Tokenizer.Encode(r.GetValue(prompt)!)
                : engine.Tokenizer.Encode(engine.Template.Render(Turns(r.GetValue(system), r.GetValue(prompt)!), true, r.GetValue(think)));

            using var stop = CancelOnCtrlC(cancel);
            var generated = new List<int>();
            var text = new StringBuilder();
            bool stream = !r.GetValue(json);
            try
            {
                await foreach (var t in engine.GenerateTokensAsync(ids, options, stop.Token))
                {
                    generated.Add(t.Id);
                    text.Append(t.Text);
                    if (stream) Console.Write(t.Text);
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
                    Console.Error.WriteLine($"[{stats.PromptTokens} prompt tokens at {stats.PromptTokensPerSecond:F1} tok/s, {stats.GeneratedTokens} generated at {stats.GenerationTokensPerSecond:F1} tok/s; stop: {stats.StopReason}]");
                return 0;
            }
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                model = folder,
                prompt_ids = ids,
                generated_ids = generated,
                text = text.ToString(),
                prompt_tokens = stats?.PromptTokens,
                generated_tokens = stats?.GeneratedTokens,
                prompt_seconds = stats?.PromptSeconds,
                generation_seconds = stats?.GenerationSeconds,
                prompt_tok_s = stats?.PromptTokensPerSecond,
                generation_tok_s = stats?.GenerationTokensPerSecond,
                stop_reason = stats?.StopReason.ToString(),
                seed = options.Sampling?.Seed,
            }, CliJson.Options));
            return 0;
        });
        return cmd;
    }

    static List<ChatTurn> Turns(string? system, string user)
    {
        var turns = new List<ChatTurn>();
        if (system is not null) turns.Add(ChatTurn.System(system));
        turns.Add(ChatTurn.User(user));
        return turns;
    }

    /// <summary>Ctrl+C stops the reply (the process then exits normally) instead of killing the process.</summary>
    public static CancellationTokenSource CancelOnCtrlC(CancellationToken outer)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        Console.CancelKeyPress += (_, e) =>
        {
            if (cts.IsCancellationRequested) return;
            e.Cancel = true;
            cts.Cancel();
        };
        return cts;
    }
}
