using QwenVk.Model.Hub;
using QwenVk.Tests.Model;
using static QwenVk.Tests.Hub.HubTestSupport;

namespace QwenVk.Tests.Hub;

/// <summary>Downloads from a fake hub on 127.0.0.1 into a temporary Hugging Face cache: the layout huggingface_hub
/// writes, no requests once cached, resume of broken-off downloads, and refusal of damaged content.</summary>
public sealed class HubDownloadTests : IDisposable
{
    readonly TempDir _cache = new();
    readonly FakeHubRepo _tiny = FakeHubRepo.Tiny("acme/tiny", modelBytes: 5000);
    readonly FakeHubRepo _sharded = FakeHubRepo.Sharded("acme/sharded");
    readonly FakeHub _hub;

    public HubDownloadTests() => _hub = new FakeHub(_tiny, _sharded);

    public void Dispose()
    {
        _hub.Dispose();
        _cache.Dispose();
    }

    string Resolve(string repo, int maxAttempts = 3, IProgress<DownloadProgress>? progress = null, string token = "") =>
        ModelLocator.Resolve(repo, Options(_cache.Path, _hub.Endpoint, maxAttempts, token), progress, CancellationToken.None);

    string Blob(FakeHubRepo repo, string file) =>
        Path.Combine(RepoFolder(_cache.Path, repo.Id), "blobs", FakeHubRepo.Sha256(repo.Files[file]));

    [Fact]
    public void DownloadWritesTheHuggingFaceCacheLayout()
    {
        var progress = new ProgressLog();
        string snapshot = Resolve("acme/tiny", progress: progress);

        string repoFolder = RepoFolder(_cache.Path, "acme/tiny");
        Assert.Equal(Path.Combine(repoFolder, "snapshots", _tiny.Commit), snapshot);
        Assert.Equal(_tiny.Commit, File.ReadAllText(Path.Combine(repoFolder, "refs", "main")));
        foreach (var (file, content) in _tiny.Files)
        {
            string path = Path.Combine(snapshot, file);
            Assert.Equal(content, File.ReadAllBytes(path));
            string blob = Blob(_tiny, file);
            Assert.Equal(content, File.ReadAllBytes(blob));
            if (!OperatingSystem.IsWindows())
            {
                // A relative link like huggingface_hub's, so the cache can be moved as a whole.
                string? target = new FileInfo(path).LinkTarget;
                Assert.Equal(Path.Combine("..", "..", "blobs", FakeHubRepo.Sha256(content)), target);
            }
            var last = progress.Reports.Last(r => r.File == file);
            Assert.Equal((content.Length, (long?)content.Length), (last.BytesDone, last.BytesTotal));
        }
        Assert.Equal(_tiny.Files.Values.Select(FakeHubRepo.Sha256).Order(),
            Directory.GetFiles(Path.Combine(repoFolder, "blobs")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void SecondResolveFindsTheCacheWithoutAnyRequest()
    {
        string first = Resolve("acme/tiny");
        Assert.NotEmpty(_hub.Requests);
        _hub.ClearRequests();
        string second = Resolve("acme/tiny");
        Assert.Equal(first, second);
        Assert.Empty(_hub.Requests);
    }

    [Fact]
    public void ShardedRepoIsFetchedThroughItsIndexWhenModelSafetensors404s()
    {
        string snapshot = Resolve("acme/sharded");
        foreach (var (file, content) in _sharded.Files)
            Assert.Equal(content, File.ReadAllBytes(Path.Combine(snapshot, file)));
        Assert.False(File.Exists(Path.Combine(snapshot, "model.safetensors")));
        Assert.False(File.Exists(Path.Combine(snapshot, "generation_config.json")));
        var requests = _hub.Requests;
        Assert.Contains(requests, r => r.Path.EndsWith("/model.safetensors") && r.Status == 404);
        Assert.Contains(requests, r => r.Path.EndsWith("/generation_config.json") && r.Status == 404);
    }

    [Fact]
    public void NotFoundSwitchForcesTheShardedPathToo()
    {
        var both = new FakeHubRepo("acme/both", new(_sharded.Files) { ["model.safetensors"] = FakeHubRepo.RandomBytes(100, 9) });
        using var hub = new FakeHub(both);
        hub.NotFound.Add("model.safetensors");
        string snapshot = ModelLocator.Resolve("acme/both", Options(_cache.Path, hub.Endpoint), null, CancellationToken.None);
        Assert.False(File.Exists(Path.Combine(snapshot, "model.safetensors")));
        Assert.Equal(both.Files["model-00002-of-00002.safetensors"], File.ReadAllBytes(Path.Combine(snapshot, "model-00002-of-00002.safetensors")));
    }

    [Fact]
    public void BrokenOffDownloadResumesFromThePartialFileOnTheNextRun()
    {
        const int cut = 1234;
        _hub.CutAfter["model.safetensors"] = cut;
        var e = Assert.ThrowsAny<IOException>(() => Resolve("acme/tiny", maxAttempts: 1));
        Assert.Contains("model.safetensors", e.Message);
        Assert.Contains("resume", e.Message);
        string partial = Blob(_tiny, "model.safetensors") + ".incomplete";
        Assert.Equal(cut, new FileInfo(partial).Length);
        Assert.False(Directory.Exists(Path.Combine(RepoFolder(_cache.Path, "acme/tiny"), "snapshots")));

        _hub.ClearRequests();
        string snapshot = Resolve("acme/tiny", maxAttempts: 1);
        var get = Assert.Single(_hub.Requests, r => r.Method == "GET" && r.Path.StartsWith("/cdn/"));
        Assert.Equal($"bytes={cut}-", get.Range);
        Assert.Equal(206, get.Status);
        Assert.Equal(_tiny.Files["model.safetensors"], File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors")));
        Assert.False(File.Exists(partial));
    }

    [Fact]
    public void BrokenOffDownloadIsRetriedWithinOneRun()
    {
        _hub.CutAfter["model.safetensors"] = 777;
        _hub.CutAfter["tokenizer.json"] = 5;
        string snapshot = Resolve("acme/tiny", maxAttempts: 2);
        foreach (var file in new[] { "model.safetensors", "tokenizer.json" })
            Assert.Equal(_tiny.Files[file], File.ReadAllBytes(Path.Combine(snapshot, file)));
        var gets = _hub.Requests.Where(r => r.Method == "GET").Select(r => r.Range).ToList();
        Assert.Contains("bytes=777-", gets);
        Assert.Contains("bytes=5-", gets);
    }

    [Fact]
    public void ServerIgnoringRangeRestartsTheFileInsteadOfAppending()
    {
        byte[] model = _tiny.Files["model.safetensors"];
        string partial = Blob(_tiny, "model.safetensors") + ".incomplete";
        Directory.CreateDirectory(Path.GetDirectoryName(partial)!);
        File.WriteAllBytes(partial, model[..1000]);
        _hub.IgnoreRange = true;

        string snapshot = Resolve("acme/tiny");
        var get = Assert.Single(_hub.Requests, r => r.Method == "GET" && r.Path.StartsWith("/cdn/"));
        Assert.Equal("bytes=1000-", get.Range);
        Assert.Equal(200, get.Status);
        Assert.Equal(model, File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors")));
    }

    [Fact]
    public void ChecksumMismatchIsRefusedAndLeavesNoSnapshot()
    {
        _hub.Corrupt.Add("model.safetensors");
        byte[] model = _tiny.Files["model.safetensors"];
        var e = Assert.Throws<InvalidDataException>(() => Resolve("acme/tiny"));
        Assert.Contains("model.safetensors", e.Message);
        Assert.Contains(FakeHubRepo.Sha256(model), e.Message);
        Assert.Contains(FakeHubRepo.Sha256(FakeHub.Damaged(model)), e.Message);

        string repoFolder = RepoFolder(_cache.Path, "acme/tiny");
        string snapshots = Path.Combine(repoFolder, "snapshots");
        Assert.True(!Directory.Exists(snapshots) || Directory.GetFileSystemEntries(snapshots, "*", SearchOption.AllDirectories).Length == 0);
        Assert.False(File.Exists(Path.Combine(repoFolder, "refs", "main")));
        Assert.False(File.Exists(Blob(_tiny, "model.safetensors")));
        Assert.False(File.Exists(Blob(_tiny, "model.safetensors") + ".incomplete"));

        // Once the hub serves the right bytes, the next run completes.
        _hub.Corrupt.Clear();
        Assert.Equal(model, File.ReadAllBytes(Path.Combine(Resolve("acme/tiny"), "model.safetensors")));
    }

    [Fact]
    public void MissingRequiredFileNamesTheFileAndRepo()
    {
        _hub.NotFound.Add("tokenizer.json");
        var e = Assert.Throws<HubException>(() => Resolve("acme/tiny"));
        Assert.Equal(404, e.StatusCode);
        Assert.Contains("tokenizer.json", e.Message);
        Assert.Contains("acme/tiny", e.Message);
    }

    [Fact]
    public void NoWeightsAtAllNamesBothWeightFiles()
    {
        _hub.NotFound.Add("model.safetensors");
        _hub.NotFound.Add("model.safetensors.index.json");
        var e = Assert.Throws<HubException>(() => Resolve("acme/tiny"));
        Assert.Contains("model.safetensors.index.json", e.Message);
        Assert.Contains("acme/tiny", e.Message);
    }

    [Fact]
    public void UnauthorizedAsksForAToken()
    {
        _hub.Unauthorized = true;
        var e = Assert.Throws<HubException>(() => Resolve("acme/tiny"));
        Assert.Equal(401, e.StatusCode);
        Assert.Contains("acme/tiny", e.Message);
        Assert.Contains("HF_TOKEN", e.Message);
        Assert.Contains("no access token was sent", e.Message);
    }

    [Fact]
    public void UnknownRepoSaysRepositoryNotFound()
    {
        var e = Assert.Throws<HubException>(() => Resolve("acme/nothing"));
        Assert.Contains("acme/nothing: repository not found", e.Message);
    }

    [Fact]
    public void UnknownRevisionIsNamed()
    {
        var e = Assert.Throws<HubException>(() => Resolve("acme/tiny@v9"));
        Assert.Contains("revision 'v9' not found", e.Message);
    }

    [Fact]
    public void TokenIsSentToTheHubAsBearer()
    {
        Resolve("acme/tiny", token: "hf_secret");
        var requests = _hub.Requests;
        Assert.All(requests.Where(r => r.Path.Contains("/resolve/")), r => Assert.Equal("Bearer hf_secret", r.Authorization));
    }

    [Fact]
    public void LaterFilesAreAskedForByTheCommitTheFirstAnswerNamed()
    {
        Resolve("acme/tiny");
        var resolves = _hub.Requests.Where(r => r.Method == "HEAD").Select(r => r.Path).ToList();
        Assert.Equal("/acme/tiny/resolve/main/config.json", resolves[0]);
        Assert.All(resolves.Skip(1), p => Assert.StartsWith($"/acme/tiny/resolve/{_tiny.Commit}/", p));
    }

    [Fact]
    public void CommitHashRevisionWritesNoRef()
    {
        string snapshot = Resolve($"acme/tiny@{_tiny.Commit}");
        Assert.EndsWith(_tiny.Commit, snapshot);
        Assert.False(Directory.Exists(Path.Combine(RepoFolder(_cache.Path, "acme/tiny"), "refs")));
    }
}
