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

    public static Option<int?> ContextOption() => new("--ctx", "-c")
    {
        Description = "Context length in tokens (KV cache size). Default: the model's max_position_embeddings, at most 4096.",
    };

    public static Option<WeightQuant> QuantOption() => new("--quant")
    {
        Description = "Weights on the GPU: f16 (default), or quantized at load with llama.cpp's reference quantizers: q8_0 (every matrix), q4_0 (the layers' projections; embeddings and lm_head in q8_0).",
        DefaultValueFactory = _ => WeightQuant.F16,
        HelpName = "f16|q8_0|q4_0",
    };
    /// <summary>A file the command will write: not a folder, in a folder that exists.</summary>
    public static void CheckOutputFile(string path, string option)
    {
        if (Directory.Exists(path))
            throw new ArgumentException($"{option} {path} is a folder; give a file name (e.g. {Path.Combine(path, "logits.npy")}).");
        var parent = Path.GetDirectoryName(Path.GetFullPath(path));
        if (parent is not null && !Directory.Exists(parent))
            throw new DirectoryNotFoundException($"{option} {path}: the folder {parent} does not exist.");
    }

    public static void CheckContext(int? context)
    {
        if (context is < 1) throw new ArgumentException($"--ctx is {context}; give a context length of at least 1 token.");
    }

    public static Option<bool> ValidationOption() => new("--validation")
    {
        Description = "Enable the Vulkan validation layer (needs vulkan-validationlayers); messages are printed and fail the run.",
    };

    /// <summary>Validation messages reported so far by every context this process opened (with validation on);
    /// the run fails when there are any, whichever command it was.</summary>
    public static int ValidationMessages;

    /// <summary>Opens the device. With validation on (--validation or QWENVK_VALIDATION=1) each message is printed
    /// on stderr as it comes, unless <paramref name="printValidation"/> is false (kernels prints them per case).</summary>
    public static VulkanContext OpenDevice(string? device, bool validation = false, bool printValidation = true)
    {
        var ctx = VulkanContext.Create(new ContextOptions
        {
            Device = device,
            Validation = validation || ContextOptions.ValidationFromEnvironment,
            Logger = StderrLogger.Instance,
        });
        // Messages from instance and device creation, before anyone could listen.
        void Report(string m)
        {
            Interlocked.Increment(ref ValidationMessages);
            if (printValidation) Console.Error.WriteLine("validation: " + m);
        }
        var earlier = ctx.Validation.Messages;
        ctx.Validation.MessageReported += Report;
        foreach (var m in earlier) Report(m);
        return ctx;
    }

    /// <summary>Loads a model with a progress bar on stderr (plain lines when stderr is not a terminal).</summary>
    public static QwenModel LoadModel(VulkanContext ctx, ModelArgument.Resolved model, ModelOptions options) =>
        WithProgress(model, progress => QwenModel.Load(ctx, model.Folder, options, progress));

    static T WithProgress<T>(ModelArgument.Resolved model, Func<IProgress<LoadProgress>?, T> load) =>
        WithProgressBar<LoadProgress, T>($"loading {model.Name}", seconds => $"loaded {model.Name} in {seconds:F1} s", 1, load,
            (task, lp) =>
            {
                task.MaxValue = Math.Max(1, lp.TotalBytes);
                task.Value = lp.DoneBytes;
            });

    /// <summary>Runs long work with a progress bar on stderr, or, when stderr is not a terminal, one line saying how
    /// long it took (<paramref name="doneLine"/> of the seconds). <paramref name="show"/> moves the bar for each report.</summary>
    public static T WithProgressBar<TReport, T>(string title, Func<double, string> doneLine, double maxValue,
        Func<IProgress<TReport>?, T> work, Action<ProgressTask, TReport> show)
    {
        if (Console.IsErrorRedirected)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            var result = work(null);
            Console.Error.WriteLine(doneLine(started.Elapsed.TotalSeconds));
            return result;
        }
        var err = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        T value = default!;
        err.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(p =>
            {
                var task = p.AddTask(title, maxValue: maxValue);
                value = work(new SyncProgress<TReport>(report => show(task, report)));
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
    public static QwenVk.Model.Generation.QwenEngine LoadEngine(VulkanContext ctx, ModelArgument.Resolved model, ModelOptions options) =>
        WithProgress(model, progress => QwenVk.Model.Generation.QwenEngine.Load(ctx, model.Folder, options, progress));

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
