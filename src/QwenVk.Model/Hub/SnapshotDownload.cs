using QwenVk.Model.Checkpoints;

namespace QwenVk.Model.Hub;

/// <summary>Fetches the files QwenVk needs from one revision of a repo into the cache. Blobs are downloaded first and
/// linked into snapshots/{commit} only when all of them are there and verified, so a failed download never leaves a
/// snapshot that looks usable; refs/{revision} is written last.</summary>
sealed class SnapshotDownload(HubHttp http, HubCacheFolder cache, HubErrors errors, RepoId repo, HubOptions options,
    IProgress<DownloadProgress>? progress)
{
    readonly BlobDownloader _blobs = new(http, cache, errors, options, progress);
    readonly List<HubFileMetadata> _fetched = [];
    string? _commit;

    public async Task<string> RunAsync(CancellationToken ct)
    {
        await FetchAsync(Checkpoint.ConfigFile, required: true, ct);
        await FetchAsync(Checkpoint.GenerationConfigFile, required: false, ct);
        await FetchAsync(SnapshotContents.Tokenizer, required: true, ct);
        await FetchAsync(SnapshotContents.TokenizerConfig, required: false, ct);
        if (await FetchAsync(Checkpoint.SingleFile, required: false, ct) is null)
        {
            var index = await FetchAsync(Checkpoint.IndexFile, required: false, ct) ?? throw errors.NoWeights();
            foreach (string shard in SnapshotContents.ShardNames(cache.BlobPath(index.Etag)))
                await FetchAsync(shard, required: true, ct);
        }

        string commit = _commit!;
        foreach (var f in _fetched) cache.Link(commit, f.File, f.Etag);
        cache.WriteRef(repo.Revision, commit);
        return cache.SnapshotDir(commit);
    }

    async Task<HubFileMetadata?> FetchAsync(string file, bool required, CancellationToken ct)
    {
        // Once the first answer names the commit, ask for that commit: a branch that moves during the download
        // must not mix files of two commits in one snapshot.
        var meta = await http.HeadAsync(_commit ?? repo.Revision, file, required, ct);
        if (meta is null) return null;
        _commit ??= meta.Commit ?? (HubCacheFolder.IsSafeName(repo.Revision) ? repo.Revision
            : throw errors.BadHeader(file, "has no X-Repo-Commit header, and the revision name cannot stand in for it"));
        await _blobs.DownloadAsync(meta, ct);
        _fetched.Add(meta);
        return meta;
    }
}
