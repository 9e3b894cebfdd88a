using System.CommandLine;
using QwenVk.Model.Inference;

namespace QwenVk.Cli.Commands;

/// <summary>`qwenvk chat`: interactive multi-turn chat; earlier turns stay in the KV cache.</summary>
static class ChatCommand
{
    public static Command Create()
    {
        var model = ModelArgument.Option();
        var demo = ModelArgument.DemoOption();
        var system = new Option<string?>("--system") { Description = "System prompt (Qwen2.5 has its own default)." };
        var think = new Option<bool>("--think") { Description = "Qwen3: let the model think before answering." };
        var device = CliCommon.DeviceOption();
        var quant = CliCommon.QuantOption();
        var ctxLen = CliCommon.ContextOption();
        var args = new GenerationArguments();
        var cmd = new Command("chat", "Chat with a model in the terminal. Commands: /reset starts over, /exit (or Ctrl+D) quits; Ctrl+C stops a reply and returns to the prompt.")
        {
            model, demo, system, think, device, ctxLen, quant,
        };
        args.AddTo(cmd);
        cmd.SetAction(async (r, _) =>
        {
            CliCommon.CheckContext(r.GetValue(ctxLen));
            args.Validate(r);
            var resolved = ModelArgument.Resolve(r.GetValue(model), r.GetValue(demo),
                "it was never trained to chat, so expect its replies to ignore you (try generate --demo for completion)");
            using var ctx = CliCommon.OpenDevice(r.GetValue(device));
            using var engine = CliCommon.LoadEngine(ctx, resolved, new ModelOptions { ContextLength = r.GetValue(ctxLen), Quant = r.GetValue(quant) });
            if (!engine.HasTokenizer)
                throw new FileNotFoundException($"{resolved.Folder} has no tokenizer.json; chat needs text (copy tokenizer.json from the model's Hugging Face repo).");
            var options = args.Read(r, engine.DefaultSampling);
            var chat = engine.StartChat(r.GetValue(system), r.GetValue(think));
            Console.Error.WriteLine($"chatting with {resolved.Name} on {ctx.Capabilities.Name}; /reset to start over, /exit to quit, Ctrl+C stops a reply.");
            while (true)
            {
                Console.Write("> ");
                var line = Console.ReadLine();
                if (line is null || line.Trim() == "/exit") break;
                if (line.Trim() == "/reset")
                {
                    chat.Reset();
                    Console.Error.WriteLine("[conversation reset]");
                    continue;
                }
                if (line.Trim().Length == 0) continue;
                using (var stop = CtrlC.Begin())
                {
                    try
                    {
                        await foreach (var piece in chat.SendAsync(line, options, stop.Token))
                            Console.Write(piece);
                    }
                    catch (OperationCanceledException) when (stop.IsCancellationRequested)
                    {
                        Console.Write(" [stopped]");
                    }
                    catch (ContextOverflowException e)
                    {
                        // The session has dropped the turn, so the conversation goes on without it.
                        Console.Error.WriteLine($"\n{e.Message} (The message was dropped; --ctx sets the context length, /reset starts over.)");
                        continue;
                    }
                }
                Console.WriteLine();
                if (engine.LastStats is { } s)
                    Console.Error.WriteLine($"[{s.PromptTokens - s.ReusedTokens} new prompt tokens ({s.ReusedTokens} reused from the cache) at {s.PromptTokensPerSecond:F1} tok/s; {s.GeneratedTokens} generated at {s.GenerationTokensPerSecond:F1} tok/s]");
            }
            return 0;
        });
        return cmd;
    }
}
