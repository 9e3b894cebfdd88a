using System.CommandLine;

namespace QwenVk.Cli;

/// <summary>Which model a command runs: a folder, a Hugging Face repo id (found in or fetched into the Hugging
/// Face cache), the default instruct model, or the demo model (<see cref="DemoModel"/>).</summary>
static class ModelArgument
{
    public const string DefaultRepo = "Qwen/Qwen2.5-0.5B-Instruct";

    public static Option<string?> Option() => new("--model", "-m")
    {
        Description = $"A checkpoint folder (config.json, *.safetensors, tokenizer.json) or a Hugging Face repo id (owner/name, taken from ~/.cache/huggingface/hub or downloaded there). Default: {DefaultRepo}.",
    };

    public static Option<bool> DemoOption() => new("--demo")
    {
        Description = $"Use the built-in demo model ({DemoModel.Name}: a 6.3M-parameter Qwen2 trained on the Brown corpus of 1961 American English; works offline). It writes English-like text, not sense, and completes raw text: it never saw a chat template.",
    };

    /// <summary>The model folder. With <paramref name="demo"/>, prints one line on stderr saying what the demo model
    /// is and <paramref name="demoNote"/> (how this command uses it).</summary>
    public static string Resolve(string? model, bool demo, string? demoNote = null)
    {
        if (demo)
        {
            if (model is not null) throw new ArgumentException("--demo and --model exclude each other.");
            var folder = DemoModel.Ensure();
            Console.Error.WriteLine($"demo: {DemoModel.Name}, a tiny Qwen2 trained on the Brown corpus (1961 American English); English-like text, not sense{(demoNote is null ? "" : "; " + demoNote)}.");
            return folder;
        }
        return HubResolution.Resolve(model ?? DefaultRepo);
    }
}
