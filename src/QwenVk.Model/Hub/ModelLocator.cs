using QwenVk.Model.Checkpoints;

namespace QwenVk.Model.Hub;

/// <summary>Turns what the user typed after --model into a model folder: a local folder holding config.json, or a
/// Hugging Face repo id (owner/name[@revision]) found in the Hugging Face cache or downloaded into it.</summary>
public static class ModelLocator
{
    public static string Resolve(string modelOrRepoId, HubOptions options, IProgress<DownloadProgress>? progress, CancellationToken ct) =>
        ResolveAsync(modelOrRepoId, options, progress, ct).GetAwaiter().GetResult();

    public static async Task<string> ResolveAsync(string modelOrRepoId, HubOptions options,
        IProgress<DownloadProgress>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(modelOrRepoId))
            throw new ArgumentException("model: empty; give a model folder or a Hugging Face repo id such as Qwen/Qwen2.5-0.5B-Instruct.");
        if (LocalFolder(modelOrRepoId) is { } folder) return folder;
        if (!RepoId.TryParse(modelOrRepoId, out var repo))
            throw new DirectoryNotFoundException($"'{modelOrRepoId}': no such folder, and not a Hugging Face repo id (owner/name or owner/name@revision). Give a folder holding config.json, the *.safetensors weights and tokenizer.json, or a repo id such as Qwen/Qwen2.5-0.5B-Instruct.");

        var settings = HubSettings.From(options);
        var cache = new HubCacheFolder(settings.CacheDir, repo);
        if (cache.CommitOf(repo.Revision) is { } commit && SnapshotContents.IsComplete(cache.SnapshotDir(commit)))
            return cache.SnapshotDir(commit);

        var errors = new HubErrors(repo, settings, modelOrRepoId);
        if (settings.Offline) throw errors.Offline();
        using var http = new HubHttp(settings, repo, errors);
        try
        {
            return await new SnapshotDownload(http, cache, errors, repo, options, progress).RunAsync(ct);
        }
        catch (HubConnectionException e) when (!ct.IsCancellationRequested)
        {
            throw errors.Unreachable(e.Message, e);
        }
    }

    /// <summary>The folder's full path when <paramref name="path"/> is an existing folder; it must be a model folder,
    /// since an existing folder always wins over a repo id of the same spelling.</summary>
    static string? LocalFolder(string path)
    {
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
            path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 2 ? path[2..] : "");
        if (!Directory.Exists(path)) return null;
        string full = Path.GetFullPath(path);
        if (!File.Exists(Path.Combine(full, Checkpoint.ConfigFile)))
            throw new FileNotFoundException($"{full}: folder has no {Checkpoint.ConfigFile}; a model folder holds config.json, the *.safetensors weights and tokenizer.json.", Path.Combine(full, Checkpoint.ConfigFile));
        return full;
    }
}
