using System.CommandLine;
using QwenVk.Model.Inference;
using QwenVk.Runtime.Vulkan;
using Spectre.Console;

namespace QwenVk.Cli;

/// <summary>Options and set-up shared by the commands: device choice, model folder, context, loading with progress.</summary>
static class CliCommon
{
    public static Option<string?> DeviceOption() => new("--device")
    {
        Description = "Vulkan device: an index or part of its name (see 'qwenvk devices'). Default: QWENVK_DEVICE, else the best GPU.",
    };

    public static Option<string> ModelOption(bool required = true) => new("--model", "-m")
    {
        Description = "Folder of a Hugging Face Qwen2/Qwen2.5/Qwen3 checkpoint (config.json, *.safetensors, tokenizer.json).",
        Required = required,
    };

    public static Option<int?> ContextOption() => new("--ctx", "-c")
    {
        Description = "Context length in tokens (KV cache size). Default: the model's max_position_embeddings, at most 4096.",
    };

    public static Option<bool> ValidationOption() => new("--validation")
    {
        Description = "Enable the Vulkan validation layer (needs vulkan-validationlayers); messages are printed and fail the run.",
    };

    public static VulkanContext OpenDevice(string? device, bool validation = false) =>
        VulkanContext.Create(new ContextOptions
        {
            Device = device,
            Validation = validation || ContextOptions.ValidationFromEnvironment,
            Log = m => Console.Error.WriteLine(m),
        });

    /// <summary>Loads a model with a progress bar on stderr (plain lines when stderr is not a terminal).</summary>
    public static QwenModel LoadModel(VulkanContext ctx, string folder, ModelOptions options) =>
        WithProgress(folder, progress => QwenModel.Load(ctx, folder, options, progress));

    static T WithProgress<T>(string folder, Func<IProgress<LoadProgress>?, T> load)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"model folder '{folder}' does not exist. Give a folder holding config.json and *.safetensors (or make one: qwenvk make-model --arch qwen2 --out DIR).");
        var name = Path.GetFileName(Path.GetFullPath(folder).TrimEnd('/'));
        if (Console.IsErrorRedirected)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            var result = load(null);
            Console.Error.WriteLine($"loaded {name} in {started.Elapsed.TotalSeconds:F1} s");
            return result;
        }
        var err = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        T value = default!;
        err.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(p =>
            {
                var task = p.AddTask($"loading {name}", maxValue: 1);
                value = load(new SyncProgress<LoadProgress>(lp =>
                {
                    task.MaxValue = Math.Max(1, lp.TotalBytes);
                    task.Value = lp.DoneBytes;
                }));
                task.Value = task.MaxValue;
            });
        return value;
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; posts to the thread pool and would race the bar).</summary>
    sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    /// <summary>Loads model, tokenizer and template with a progress bar for the weights.</summary>
    public static QwenVk.Model.Generation.QwenEngine LoadEngine(VulkanContext ctx, string folder, ModelOptions options) =>
        WithProgress(folder, progress => QwenVk.Model.Generation.QwenEngine.Load(ctx, folder, options, progress));

    /// <summary>Comma- or space-separated token ids; <paramref name="option"/> names the flag in errors.</summary>
    public static int[] ParseIds(string text, string option = "--ids")
    {
        var parts = text.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new FormatException($"{option} is empty; give comma-separated token ids like 1,2,3.");
        var ids = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out long v))
                throw new FormatException($"{option} must be comma-separated token ids like 1,2,3; '{parts[i]}' is not an integer.");
            if (v < 0 || v > QwenVk.Model.Checkpoints.QwenConfig.MaxVocab)
                throw new FormatException($"{option}: token id {parts[i]} is out of range (ids are 0 .. vocabulary size - 1).");
            ids[i] = (int)v;
        }
        return ids;
    }
}
