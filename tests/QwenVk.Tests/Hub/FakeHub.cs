using System.Net;
using System.Net.Sockets;
using System.Text;

namespace QwenVk.Tests.Hub;

/// <summary>One request as the fake hub saw it.</summary>
sealed record FakeHubRequest(string Method, string Path, string? Range, string? Authorization, int Status);

/// <summary>A minimal HTTP/1.1 server on 127.0.0.1 imitating the Hugging Face hub's file URLs. HEAD/GET
/// /{repo}/resolve/{revision}/{file} answers with X-Repo-Commit and an ETag holding the SHA-256 of the content;
/// *.safetensors files are "LFS" files: a 302 to /cdn/{sha256} carrying X-Linked-Etag and X-Linked-Size, as the real
/// hub does. It speaks raw TCP so that it can cut a body off mid-way, which HttpListener cannot do cleanly.</summary>
sealed class FakeHub : IDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly CancellationTokenSource _stop = new();
    readonly Dictionary<string, FakeHubRepo> _repos = [];
    readonly List<FakeHubRequest> _requests = [];
    readonly List<TcpClient> _stalled = [];
    readonly Task _loop;

    /// <summary>File name -> bytes of body to send before closing the connection; used once.</summary>
    public Dictionary<string, int> CutAfter { get; } = [];
    /// <summary>Files served with damaged content (same length, wrong bytes).</summary>
    public HashSet<string> Corrupt { get; } = [];
    /// <summary>Files answered with 404 even when the repo has them.</summary>
    public HashSet<string> NotFound { get; } = [];
    public bool Unauthorized { get; set; }
    /// <summary>Answer every GET with 200 and the whole content, as servers without Range support do.</summary>
    public bool IgnoreRange { get; set; }
    /// <summary>Accept connections but never answer.</summary>
    public bool Stall { get; set; }

    public FakeHub(params FakeHubRepo[] repos)
    {
        foreach (var r in repos) _repos[r.Id] = r;
        _listener.Start();
        _loop = Task.Run(AcceptLoop);
    }

    public string Endpoint => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public IReadOnlyList<FakeHubRequest> Requests { get { lock (_requests) return [.. _requests]; } }

    public void ClearRequests() { lock (_requests) _requests.Clear(); }

    /// <summary>What <see cref="Corrupt"/> serves instead of the real content.</summary>
    public static byte[] Damaged(byte[] content)
    {
        var bad = (byte[])content.Clone();
        for (int i = 0; i < bad.Length; i += 97) bad[i] ^= 0x5A;
        return bad;
    }

    async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => Serve(client));
        }
    }

    async Task Serve(TcpClient client)
    {
        if (Stall)
        {
            lock (_stalled) _stalled.Add(client);
            return;
        }
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var head = await ReadHead(stream);
                if (head is null) return;
                var response = Answer(head.Value.Method, head.Value.Target, head.Value.Headers);
                lock (_requests)
                    _requests.Add(new FakeHubRequest(head.Value.Method, head.Value.Target, head.Value.Headers.GetValueOrDefault("range"),
                        head.Value.Headers.GetValueOrDefault("authorization"), response.Status));
                await Write(stream, response, head.Value.Method == "HEAD");
                client.Client.Shutdown(SocketShutdown.Send);
            }
            catch (IOException) { }
            catch (SocketException) { }
        }
    }

    sealed record Response(int Status, Dictionary<string, string> Headers, byte[] Body, int? CutAfter = null);

    Response Answer(string method, string target, Dictionary<string, string> headers)
    {
        string[] parts = target.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        if (parts.Length == 2 && parts[0] == "cdn") return Cdn(parts[1], headers, method);
        if (parts.Length < 5 || parts[2] != "resolve") return Status(400);
        string repoId = $"{parts[0]}/{parts[1]}", revision = parts[3], file = string.Join('/', parts[4..]);
        if (!_repos.TryGetValue(repoId, out var repo)) return Status(401, "RepoNotFound");
        if (Unauthorized) return Status(401);
        if (revision != "main" && revision != repo.Commit) return Status(404, "RevisionNotFound");
        if (NotFound.Contains(file) || !repo.Files.TryGetValue(file, out var content)) return Status(404, "EntryNotFound");
        string sha = FakeHubRepo.Sha256(content);
        if (file.EndsWith(".safetensors", StringComparison.Ordinal))
            return new Response(302, new()
            {
                ["Location"] = $"{Endpoint}/cdn/{sha}",
                ["X-Repo-Commit"] = repo.Commit,
                ["X-Linked-Etag"] = $"\"{sha}\"",
                ["X-Linked-Size"] = content.Length.ToString(),
                // The real hub's own ETag on a redirect is not the content hash; the client must prefer X-Linked-Etag.
                ["ETag"] = "\"not-the-content-hash\"",
            }, []);
        var ok = Content(file, content, headers, method == "GET");
        ok.Headers["X-Repo-Commit"] = repo.Commit;
        ok.Headers["ETag"] = $"\"{sha}\"";
        return ok;
    }

    Response Cdn(string sha, Dictionary<string, string> headers, string method)
    {
        foreach (var repo in _repos.Values)
            foreach (var (file, content) in repo.Files)
                if (FakeHubRepo.Sha256(content) == sha) return Content(file, content, headers, method == "GET");
        return Status(404);
    }

    Response Content(string file, byte[] content, Dictionary<string, string> headers, bool isGet)
    {
        if (Corrupt.Contains(file)) content = Damaged(content);
        int? cut = null;
        if (isGet)
            lock (CutAfter)
                if (CutAfter.Remove(file, out int n)) cut = n;
        if (!IgnoreRange && headers.TryGetValue("range", out var range) && range.StartsWith("bytes=", StringComparison.Ordinal)
            && range.EndsWith('-') && long.TryParse(range[6..^1], out long start))
        {
            if (start >= content.Length)
                return new Response(416, new() { ["Content-Range"] = $"bytes */{content.Length}" }, []);
            return new Response(206, new() { ["Content-Range"] = $"bytes {start}-{content.Length - 1}/{content.Length}" },
                content[(int)start..], cut);
        }
        return new Response(200, [], content, cut);
    }

    static Response Status(int status, string? errorCode = null) =>
        new(status, errorCode is null ? [] : new() { ["X-Error-Code"] = errorCode }, Encoding.UTF8.GetBytes($"status {status}"));

    static async Task Write(NetworkStream stream, Response r, bool headOnly)
    {
        var sb = new StringBuilder($"HTTP/1.1 {r.Status} {Reason(r.Status)}\r\n");
        foreach (var (k, v) in r.Headers) sb.Append($"{k}: {v}\r\n");
        sb.Append($"Content-Length: {r.Body.Length}\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(sb.ToString()));
        if (headOnly) return;
        int send = Math.Min(r.Body.Length, r.CutAfter ?? r.Body.Length);
        await stream.WriteAsync(r.Body.AsMemory(0, send));
        await stream.FlushAsync();
    }

    static string Reason(int status) => status switch
    {
        200 => "OK",
        206 => "Partial Content",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        416 => "Range Not Satisfiable",
        _ => "Status",
    };

    static async Task<(string Method, string Target, Dictionary<string, string> Headers)?> ReadHead(NetworkStream stream)
    {
        var bytes = new List<byte>();
        var buffer = new byte[1];
        while (bytes.Count < 65536)
        {
            if (await stream.ReadAsync(buffer) == 0) return null;
            bytes.Add(buffer[0]);
            int c = bytes.Count;
            if (c >= 4 && bytes[c - 4] == '\r' && bytes[c - 3] == '\n' && bytes[c - 2] == '\r' && bytes[c - 1] == '\n') break;
        }
        string[] lines = Encoding.ASCII.GetString(bytes.ToArray()).Split("\r\n");
        string[] first = lines[0].Split(' ');
        var headers = new Dictionary<string, string>();
        foreach (var line in lines.Skip(1))
        {
            int colon = line.IndexOf(':');
            if (colon > 0) headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }
        return (first[0], first[1], headers);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_stalled) foreach (var c in _stalled) c.Dispose();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _stop.Dispose();
    }
}
