using System.CommandLine;
using QwenVk.Model.Hub;

namespace QwenVk.Cli;

/// <summary>The model a command runs, named the same way by every command: a folder, a Hugging Face repo id
/// (found in or fetched into the Hugging Face cache), the default instruct model, or the demo model
/// (<see cref="DemoModel"/>).</summary>
static class ModelArgument
{
    public const string DefaultRepo = "Qwen/Qwen2.5-0.5B-Instruct";

    public static Option<string?> Option() => new("--model", "-m")
    {
        Description = $"A checkpoint folder (config.json, *.safetensors, tokenizer.json) or a Hugging Face repo id (owner/name[@revision], taken from the Hugging Face cache, ~/.cache/huggingface/hub, or downloaded there unless HF_HUB_OFFLINE=1). Default: {DefaultRepo}.",
    };

    public static Option<bool> DemoOption() => new("--demo")
    {
        Description = $"Use the built-in demo model ({DemoModel.Name}: a 6.3M-parameter Qwen2 trained on the Brown corpus of 1961 American English; works offline). It writes English-like text, not sense, and completes raw text: it never saw a chat template.",
    };

    /// <summary>A model folder, and how to call it in messages (the repo id the user gave, not a snapshot hash).</summary>
    public sealed record Resolved(string Folder, string Name);

    /// <summary>The model. With <paramref name="demo"/>, prints one line on stderr saying what the demo model is and
    /// <paramref name="demoNote"/> (how this command uses it).</summary>
    public static Resolved Resolve(string? model, bool demo, string? demoNote = null)
    {
        if (demo)
        {
            if (model is not null) throw new ArgumentException("--demo and --model exclude each other.");
            var folder = DemoModel.Ensure();
            Console.Error.WriteLine($"demo: {DemoModel.Name}, a tiny Qwen2 trained on the Brown corpus (1961 American English); English-like text, not sense{(demoNote is null ? "" : "; " + demoNote)}.");
            return new Resolved(folder, "demo");
        }
        var given = model ?? DefaultRepo;
        try
        {
            var folder = HubResolution.Resolve(given);
            return new Resolved(folder, Directory.Exists(given) ? Path.GetFileName(Path.GetFullPath(given).TrimEnd('/')) : given);
        }
        catch (HubUnreachableException e)
        {
            throw new HubUnreachableException($"{e.Message} Without a network, --model FOLDER runs a checkpoint on disk, and --demo a small model built in.", e);
        }
    }
}
