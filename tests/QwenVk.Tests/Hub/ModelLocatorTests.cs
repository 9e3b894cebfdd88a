using QwenVk.Model.Hub;
using QwenVk.Tests.Model;
using static QwenVk.Tests.Hub.HubTestSupport;

namespace QwenVk.Tests.Hub;

/// <summary>Resolution without downloads: local folders, caches written by huggingface_hub, and the messages when the
/// model is neither on disk nor reachable.</summary>
public sealed class ModelLocatorTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    string Cache => Path.Combine(_dir.Path, "hf-cache");

    static string Resolve(string arg, HubOptions options) => ModelLocator.Resolve(arg, options, null, CancellationToken.None);

    [Fact]
    public void LocalFolderWithConfigResolvesToItself()
    {
        string folder = Path.Combine(_dir.Path, "my-model");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), "{}");
        Assert.Equal(folder, Resolve(folder, Options(Cache, ClosedEndpoint())));
        Assert.False(Directory.Exists(Cache));
    }

    [Fact]
    public void LocalFolderWithoutConfigIsRefusedNamingConfigJson()
    {
        var e = Assert.Throws<FileNotFoundException>(() => Resolve(_dir.Path, Options(Cache, ClosedEndpoint())));
        Assert.Contains("config.json", e.Message);
        Assert.Contains(_dir.Path, e.Message);
    }

    [Theory]
    [InlineData("/no/such/folder")]
    [InlineData("./models/qwen/extra")]
    [InlineData("not a repo")]
    public void NeitherFolderNorRepoIdSaysWhatIsExpected(string arg)
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => Resolve(arg, Options(Cache, ClosedEndpoint())));
        Assert.Contains(arg, e.Message);
        Assert.Contains("owner/name", e.Message);
    }

    [Fact]
    public void NoHubListeningGivesTheCouldNotReachMessage()
    {
        string endpoint = ClosedEndpoint();
        var e = Assert.Throws<HubUnreachableException>(() => Resolve("acme/tiny", Options(Cache, endpoint)));
        AssertUnreachableMessage(e.Message, endpoint);
        Assert.Contains("refused", e.Message);
    }

    [Fact]
    public void HubThatNeverAnswersTimesOutWithTheSameMessage()
    {
        using var hub = new FakeHub { Stall = true };
        var options = Options(Cache, hub.Endpoint);
        options = new HubOptions
        {
            CacheDir = options.CacheDir, Endpoint = options.Endpoint, Token = "", Offline = false,
            ReadTimeout = TimeSpan.FromMilliseconds(300), MaxAttempts = 1,
        };
        var e = Assert.Throws<HubUnreachableException>(() => Resolve("acme/tiny", options));
        AssertUnreachableMessage(e.Message, hub.Endpoint);
        Assert.Contains("no answer within", e.Message);
    }

    void AssertUnreachableMessage(string message, string endpoint)
    {
        Assert.Contains("acme/tiny", message);
        Assert.Contains($"not (completely) in the local Hugging Face cache ({Cache})", message);
        Assert.Contains($"the hub at {endpoint} could not be reached", message);
        Assert.Contains("give its folder instead", message);
        // The library serves programs other than the CLI: its errors name no command-line flag.
        Assert.DoesNotContain(" --", message);
        Assert.Contains("config.json", message);
        Assert.Contains("HF_ENDPOINT", message);
        Assert.Contains("HF_HUB_CACHE", message);
    }

    [Fact]
    public void OfflineModeDoesNotAskTheHub()
    {
        using var hub = new FakeHub(FakeHubRepo.Tiny("acme/tiny"));
        var o = Options(Cache, hub.Endpoint);
        var offline = new HubOptions { CacheDir = o.CacheDir, Endpoint = o.Endpoint, Token = "", Offline = true };
        var e = Assert.Throws<HubUnreachableException>(() => Resolve("acme/tiny", offline));
        Assert.Contains("HF_HUB_OFFLINE", e.Message);
        Assert.Empty(hub.Requests);
    }

    /// <summary>A cache as huggingface_hub leaves it (relative symlinks into blobs, sharded weights) is used as is,
    /// with no hub to ask.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SnapshotWrittenByHuggingFaceHubIsFoundOffline(bool symlinks)
    {
        var repo = FakeHubRepo.Sharded("Qwen/Qwen3-Tiny");
        string folder = RepoFolder(Cache, repo.Id);
        string snapshot = Path.Combine(folder, "snapshots", repo.Commit);
        Directory.CreateDirectory(snapshot);
        Directory.CreateDirectory(Path.Combine(folder, "blobs"));
        Directory.CreateDirectory(Path.Combine(folder, "refs"));
        File.WriteAllText(Path.Combine(folder, "refs", "main"), repo.Commit);
        foreach (var (file, content) in repo.Files)
        {
            string blob = Path.Combine(folder, "blobs", FakeHubRepo.Sha256(content));
            File.WriteAllBytes(blob, content);
            if (symlinks) File.CreateSymbolicLink(Path.Combine(snapshot, file), Path.Combine("..", "..", "blobs", Path.GetFileName(blob)));
            else File.Copy(blob, Path.Combine(snapshot, file));
        }
        Assert.Equal(snapshot, Resolve(repo.Id, Options(Cache, ClosedEndpoint())));
    }

    [Fact]
    public void IncompleteSnapshotIsNotTakenForComplete()
    {
        var repo = FakeHubRepo.Sharded("Qwen/Qwen3-Tiny");
        string folder = RepoFolder(Cache, repo.Id);
        string snapshot = Path.Combine(folder, "snapshots", repo.Commit);
        Directory.CreateDirectory(snapshot);
        Directory.CreateDirectory(Path.Combine(folder, "refs"));
        File.WriteAllText(Path.Combine(folder, "refs", "main"), repo.Commit);
        foreach (var (file, content) in repo.Files.Where(f => f.Key != "model-00002-of-00002.safetensors"))
            File.WriteAllBytes(Path.Combine(snapshot, file), content);
        var e = Assert.Throws<HubUnreachableException>(() => Resolve(repo.Id, Options(Cache, ClosedEndpoint())));
        Assert.Contains("Qwen/Qwen3-Tiny", e.Message);
    }

    [Theory]
    [InlineData("Qwen/Qwen2.5-0.5B-Instruct", "Qwen", "Qwen2.5-0.5B-Instruct", "main")]
    [InlineData("Qwen/Qwen3-0.6B@v1.0", "Qwen", "Qwen3-0.6B", "v1.0")]
    [InlineData("org_x/m.o-d_el@refs/pr/3", "org_x", "m.o-d_el", "refs/pr/3")]
    public void RepoIdsParse(string text, string owner, string name, string revision)
    {
        Assert.True(RepoId.TryParse(text, out var repo));
        Assert.Equal((owner, name, revision), (repo.Owner, repo.Name, repo.Revision));
        Assert.Equal($"models--{owner}--{name}", repo.CacheFolderName);
    }

    [Theory]
    [InlineData("Qwen")]
    [InlineData("a/b/c")]
    [InlineData("/abs/path")]
    [InlineData("a--b/c")]
    [InlineData("a/b@../../etc")]
    [InlineData("a/b@")]
    public void NonRepoIdsDoNotParse(string text) => Assert.False(RepoId.TryParse(text, out _));
}
