using QwenVk.Model.Hub;
using Spectre.Console;

namespace QwenVk.Cli;

/// <summary>A model argument to a folder: local folders as they are; Hugging Face repo ids from the standard cache
/// (~/.cache/huggingface/hub), downloaded there with a progress bar when missing. Ctrl+C stops a download (it
/// resumes where it stopped next time).</summary>
static class HubResolution
{
    public static string Resolve(string model)
    {
        var options = new HubOptions();
        using var ctrlC = CtrlC.Begin();
        if (Console.IsErrorRedirected)
            return ModelLocator.Resolve(model, options, null, ctrlC.Token);
        var err = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        string folder = "";
        err.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .Start(p =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                folder = ModelLocator.Resolve(model, options, new Reporter(d =>
                {
                    if (!tasks.TryGetValue(d.File, out var t)) tasks[d.File] = t = p.AddTask(d.File, maxValue: Math.Max(1, d.BytesTotal ?? 1));
                    if (d.BytesTotal is long total) t.MaxValue = Math.Max(1, total);
                    t.Value = d.BytesDone;
                }), ctrlC.Token);
            });
        return folder;
    }

    sealed class Reporter(Action<DownloadProgress> report) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => report(value);
    }
}
