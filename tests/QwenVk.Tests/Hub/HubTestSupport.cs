using System.Net;
using System.Net.Sockets;
using QwenVk.Model.Hub;

namespace QwenVk.Tests.Hub;

/// <summary>Options for a test: a private cache folder, the fake hub's address and no token, so that nothing from the
/// environment (HF_HOME, HF_ENDPOINT, HF_TOKEN) is used and the real internet is never contacted.</summary>
static class HubTestSupport
{
    public static HubOptions Options(string cacheDir, string endpoint, int maxAttempts = 3, string token = "") => new()
    {
        CacheDir = cacheDir,
        Endpoint = endpoint,
        Token = token,
        Offline = false,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        ReadTimeout = TimeSpan.FromSeconds(10),
        MaxAttempts = maxAttempts,
        RetryDelay = TimeSpan.Zero,
    };

    /// <summary>An address on which nothing listens: a port just freed.</summary>
    public static string ClosedEndpoint()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return $"http://127.0.0.1:{port}";
    }

    public static string RepoFolder(string cacheDir, string repoId) =>
        Path.Combine(cacheDir, "models--" + repoId.Replace("/", "--"));
}

/// <summary>Records progress synchronously (Progress&lt;T&gt; would post to the thread pool and arrive late).</summary>
sealed class ProgressLog : IProgress<DownloadProgress>
{
    readonly List<DownloadProgress> _reports = [];
    public IReadOnlyList<DownloadProgress> Reports { get { lock (_reports) return [.. _reports]; } }
    public void Report(DownloadProgress value) { lock (_reports) _reports.Add(value); }
}
