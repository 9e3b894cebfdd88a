using System.CommandLine;
using QwenVk.Model.Checkpoints;
using QwenVk.Model.Inference;

namespace QwenVk.Cli.Commands;

/// <summary>`qwenvk logits`: float32 logits at every input position as .npy, to check the model from outside.</summary>
static class LogitsCommand
{
    public static Command Create()
    {
        var model = ModelArgument.Option();
        var demo = ModelArgument.DemoOption();
        var ids = new Option<string>("--ids") { Description = "Comma-separated input token ids, e.g. 1,2,3.", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Output .npy file: float32, shape [n, vocab].", Required = true };
        var device = CliCommon.DeviceOption();
        var quant = CliCommon.QuantOption();
        var ctxLen = CliCommon.ContextOption();
        var cmd = new Command("logits", "Run token ids through the model (prefill) and write the logits at every position as a NumPy .npy file.")
        {
            model, demo, ids, output, device, ctxLen, quant,
        };
        cmd.SetAction(r =>
        {
            var tokens = CliCommon.ParseIds(r.GetValue(ids)!);
            CliCommon.CheckContext(r.GetValue(ctxLen));
            var outPath = r.GetValue(output)!;
            CliCommon.CheckOutputFile(outPath, "--out");
            var resolved = ModelArgument.Resolve(r.GetValue(model), r.GetValue(demo));
            using var ctx = CliCommon.OpenDevice(r.GetValue(device));
            using var m = CliCommon.LoadModel(ctx, resolved, new ModelOptions { ContextLength = r.GetValue(ctxLen) ?? tokens.Length, Quant = r.GetValue(quant) });
            var logits = m.ForwardAll(tokens);
            NpyWriter.WriteFloat32(outPath, logits.SelectMany(x => x).ToArray(), logits.Length, m.Config.VocabSize);
            Console.Error.WriteLine($"wrote {outPath}: float32 [{logits.Length}, {m.Config.VocabSize}]");
            return 0;
        });
        return cmd;
    }
}
