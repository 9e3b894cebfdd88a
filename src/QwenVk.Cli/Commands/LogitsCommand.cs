using System.CommandLine;
using QwenVk.Model.Checkpoints;
using QwenVk.Model.Inference;

namespace QwenVk.Cli.Commands;

/// <summary>`qwenvk logits`: float32 logits at every input position as .npy, to check the model from outside.</summary>
static class LogitsCommand
{
    public static Command Create()
    {
        var model = CliCommon.ModelOption();
        var ids = new Option<string>("--ids") { Description = "Comma-separated input token ids, e.g. 1,2,3.", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Output .npy file: float32, shape [n, vocab].", Required = true };
        var device = CliCommon.DeviceOption();
        var quant = CliCommon.QuantOption();
        var ctxLen = CliCommon.ContextOption();
        var cmd = new Command("logits", "Run token ids through the model (prefill) and write the logits at every position as a NumPy .npy file.")
        {
            model, ids, output, device, ctxLen, quant,
        };
        cmd.SetAction(r =>
        {
            var tokens = CliCommon.ParseIds(r.GetValue(ids)!);
            using var ctx = CliCommon.OpenDevice(r.GetValue(device));
            using var m = CliCommon.LoadModel(ctx, r.GetValue(model)!, new ModelOptions { ContextLength = r.GetValue(ctxLen) ?? Math.Max(tokens.Length, 16), Quant = r.GetValue(quant) });
            var logits = m.ForwardAll(tokens);
            NpyWriter.WriteFloat32(r.GetValue(output)!, logits.SelectMany(x => x).ToArray(), logits.Length, m.Config.VocabSize);
            Console.Error.WriteLine($"wrote {r.GetValue(output)}: float32 [{logits.Length}, {m.Config.VocabSize}]");
            return 0;
        });
        return cmd;
    }
}
