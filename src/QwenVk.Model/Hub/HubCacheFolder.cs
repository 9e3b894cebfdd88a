using System.Text.RegularExpressions;

namespace QwenVk.Model.Hub;

/// <summary>One repo's folder in the Hugging Face cache, laid out as huggingface_hub writes it:
/// refs/{revision} holds a commit hash, snapshots/{commit}/{file} links to blobs/{etag}, and a download in
/// progress is blobs/{etag}.incomplete.</summary>
sealed partial class HubCacheFolder(string cacheDir, RepoId repo)
{
    public string CacheDir { get; } = cacheDir;
    public string RepoFolder { get; } = Path.Combine(cacheDir, repo.CacheFolderName);
    public string BlobsDir => Path.Combine(RepoFolder, "blobs");

    public string SnapshotDir(string commit) => Path.Combine(RepoFolder, "snapshots", commit);
    public string SnapshotFile(string commit, string file) => Path.Combine(SnapshotDir(commit), file);
    public string BlobPath(string etag) => Path.Combine(BlobsDir, etag);
    public string IncompletePath(string etag) => BlobPath(etag) + ".incomplete";
    string RefPath(string revision) => Path.Combine(RepoFolder, "refs", revision);

    /// <summary>The commit a revision stands for in this cache, or null when it has never been fetched.</summary>
    public string? CommitOf(string revision)
    {
        if (RepoId.IsCommitHash(revision)) return revision;
        string path = RefPath(revision);
        if (!File.Exists(path)) return null;
        string commit = File.ReadAllText(path).Trim();
        return IsSafeName(commit) ? commit : null;
    }

    public void WriteRef(string revision, string commit)
    {
        if (revision == commit) return;
        string path = RefPath(revision);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temp = path + ".tmp";
        File.WriteAllText(temp, commit);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Puts a downloaded blob into the snapshot: a relative symlink like huggingface_hub's, or a copy where
    /// symlinks cannot be made (Windows without developer mode).</summary>
    public void Link(string commit, string file, string etag)
    {
        string link = SnapshotFile(commit, file);
        string dir = Path.GetDirectoryName(link)!;
        Directory.CreateDirectory(dir);
        if (File.Exists(link) || new FileInfo(link).LinkTarget is not null) File.Delete(link);
        string blob = BlobPath(etag);
        try
        {
            File.CreateSymbolicLink(link, Path.GetRelativePath(dir, blob));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            File.Copy(blob, link, overwrite: true);
        }
    }

    /// <summary>Etags and commit hashes become file names: anything beyond these characters is refused rather than
    /// trusted as a path.</summary>
    public static bool IsSafeName(string name) => SafeName().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex SafeName();
}
