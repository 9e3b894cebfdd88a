using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace QwenVk.Model.Hub;

/// <summary>A Hugging Face model repo at a revision: `owner/name` or `owner/name@revision` (a branch, tag or commit
/// hash; default main).</summary>
public sealed partial record RepoId(string Owner, string Name, string Revision)
{
    public const string DefaultRevision = "main";

    public string Id => $"{Owner}/{Name}";

    /// <summary>huggingface_hub's folder for the repo inside the cache.</summary>
    public string CacheFolderName => $"models--{Owner}--{Name}";

    public override string ToString() => Revision == DefaultRevision ? Id : $"{Id}@{Revision}";

    public static bool TryParse(string text, [NotNullWhen(true)] out RepoId? repo)
    {
        repo = null;
        var m = Shape().Match(text);
        if (!m.Success) return false;
        string owner = m.Groups["owner"].Value, name = m.Groups["name"].Value;
        string revision = m.Groups["rev"].Success ? m.Groups["rev"].Value : DefaultRevision;
        // The hub forbids these in names; "--" would also make the cache folder name ambiguous, and ".." or a leading
        // slash in a revision would let refs/{revision} escape the cache folder.
        if (owner.Contains("--") || name.Contains("--") || owner.Contains("..") || name.Contains("..")) return false;
        if (revision.Contains("..") || revision.StartsWith('/') || revision.EndsWith('/')) return false;
        repo = new RepoId(owner, name, revision);
        return true;
    }

    public static bool IsCommitHash(string revision) => CommitHash().IsMatch(revision);

    [GeneratedRegex(@"^(?<owner>[A-Za-z0-9][A-Za-z0-9._-]{0,95})/(?<name>[A-Za-z0-9][A-Za-z0-9._-]{0,95})(@(?<rev>[A-Za-z0-9._/-]+))?$")]
    private static partial Regex Shape();

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitHash();
}
