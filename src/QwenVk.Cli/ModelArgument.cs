using System.CommandLine;

namespace QwenVk.Cli;

/// <summary>Which model a command runs: a folder, a Hugging Face repo id (found in or fetched into the Hugging
/// Face cache), the default instruct model, or the random demo checkpoint.</summary>
static class ModelArgument
{
    public const string DefaultRepo = "Qwen/Qwen2.5-0.5B-Instruct";

    public static Option<string?> Option() => new("--model", "-m")
    {
        Description = $"A checkpoint folder (config.json, *.safetensors, tokenizer.json) or a Hugging Face repo id (owner/name, taken from ~/.cache/huggingface/hub or downloaded there). Default: {DefaultRepo}.",
    };

    public static Option<bool> DemoOption() => new("--demo")
    {
        Description = "Use a small RANDOM checkpoint made on the spot with the real Qwen2.5 tokenizer: shows the pipeline working offline; its text is meaningless.",
    };

    public static string Resolve(string? model, bool demo)
    {
        if (demo)
        {
            if (model is not null) throw new ArgumentException("--demo and --model exclude each other.");
            var folder = DemoModel.Ensure();
            Console.Error.WriteLine("demo: RANDOM weights (text is noise); real tokenizer, chat template, kernels and sampling.");
            return folder;
        }
        return HubResolution.Resolve(model ?? DefaultRepo);
    }
}
