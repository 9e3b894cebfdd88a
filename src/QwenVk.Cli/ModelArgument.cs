using System.CommandLine;
using QwenVk.Model.Hub;

namespace QwenVk.Cli;

/// <summary>The model a command runs, named the same way by every command: a folder, a Hugging Face repo id
/// (found in or fetched into the Hugging Face cache), the default instruct model, or the random demo checkpoint.</summary>
static class ModelArgument
{
    public const string DefaultRepo = "Qwen/Qwen2.5-0.5B-Instruct";

    public static Option<string?> Option() => new("--model", "-m")
    {
        Description = $"A checkpoint folder (config.json, *.safetensors, tokenizer.json) or a Hugging Face repo id (owner/name[@revision], taken from the Hugging Face cache, ~/.cache/huggingface/hub, or downloaded there unless HF_HUB_OFFLINE=1). Default: {DefaultRepo}.",
    };

    public static Option<bool> DemoOption() => new("--demo")
    {
        Description = "Use a small RANDOM checkpoint made on the spot with the real Qwen2.5 tokenizer: shows the pipeline working offline; its text is meaningless.",
    };

    /// <summary>A model folder, and how to call it in messages (the repo id the user gave, not a snapshot hash).</summary>
    public sealed record Resolved(string Folder, string Name);

    public static Resolved Resolve(string? model, bool demo)
    {
        if (demo)
        {
            if (model is not null) throw new ArgumentException("--demo and --model exclude each other.");
            var folder = DemoModel.Ensure();
            Console.Error.WriteLine("demo: RANDOM weights (text is noise); real tokenizer, chat template, kernels and sampling.");
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
            throw new HubUnreachableException($"{e.Message} Without a network, --model FOLDER runs a checkpoint on disk, and --demo a random one made on the spot.", e);
        }
    }
}
