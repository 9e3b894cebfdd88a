using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace QwenVk.Model.Hub;

/// <summary>The hub's file protocol: a HEAD on {endpoint}/{repo}/resolve/{revision}/{file} for the metadata, then a
/// GET (with a Range to resume) on the address it points to. Redirects are followed by hand so that the metadata of
/// the hub's own answer is kept and the token is sent to the hub only, never to a CDN.</summary>
sealed class HubHttp : IDisposable
{
    const int MaxRedirects = 5;

    readonly HttpClient _client;
    readonly HubSettings _settings;
    readonly RepoId _repo;
    readonly HubErrors _errors;
    readonly Uri _endpoint;

    public HubHttp(HubSettings settings, RepoId repo, HubErrors errors)
    {
        _settings = settings;
        _repo = repo;
        _errors = errors;
        _endpoint = new Uri(settings.Endpoint);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectTimeout = settings.Options.ConnectTimeout,
            AutomaticDecompression = DecompressionMethods.None,
        };
        // Timeouts are applied per step (headers, each body chunk) instead, so a long download is not cut off.
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public TimeSpan ReadTimeout => _settings.Options.ReadTimeout;

    public Uri ResolveUrl(string revision, string file) =>
        new($"{_settings.Endpoint}/{_repo.Id}/resolve/{Uri.EscapeDataString(revision)}/{string.Join('/', file.Split('/').Select(Uri.EscapeDataString))}");

    /// <summary>The file's metadata, or null when the hub has no such file (404) and <paramref name="required"/> is
    /// false. Other refusals throw with a message that says what to do.</summary>
    public async Task<HubFileMetadata?> HeadAsync(string revision, string file, bool required, CancellationToken ct)
    {
        Uri url = ResolveUrl(revision, file);
        for (int hop = 0; ; hop++)
        {
            using var response = await SendAsync(HttpMethod.Head, url, null, ct);
            int code = (int)response.StatusCode;
            if (code is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                // A relative redirect is the hub's own (a renamed repo): ask again there. An absolute one leads to
                // the CDN that serves the content; the metadata is in this answer.
                if (!location.IsAbsoluteUri && hop < MaxRedirects)
                {
                    url = new Uri(url, location);
                    continue;
                }
                return Metadata(response, file, new Uri(url, location));
            }
            if (response.IsSuccessStatusCode) return Metadata(response, file, url);
            if (response.StatusCode == HttpStatusCode.NotFound && !required && !IsRepoLevel(response)) return null;
            throw _errors.Status(response, file, url);
        }
    }

    /// <summary>Starts a GET of the content from <paramref name="rangeStart"/> on; the caller reads the body.</summary>
    public async Task<HttpResponseMessage> GetAsync(HubFileMetadata meta, long rangeStart, CancellationToken ct)
    {
        Uri url = meta.DownloadUrl;
        for (int hop = 0; ; hop++)
        {
            var response = await SendAsync(HttpMethod.Get, url, rangeStart > 0 ? rangeStart : null, ct);
            int code = (int)response.StatusCode;
            if (code is >= 300 and < 400 && response.Headers.Location is { } location && hop < MaxRedirects)
            {
                response.Dispose();
                url = new Uri(url, location);
                continue;
            }
            if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
                return response;
            using (response) throw _errors.Status(response, meta.File, url);
        }
    }

    async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri url, long? rangeStart, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.UserAgent.ParseAdd("qwenvk/1.0");
        // The size of a file is the length of its stored bytes, not of a compressed transfer.
        request.Headers.AcceptEncoding.ParseAdd("identity");
        if (_settings.Token is { } token && url.Host == _endpoint.Host && url.Port == _endpoint.Port)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (rangeStart is long start) request.Headers.Range = new RangeHeaderValue(start, null);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ReadTimeout);
        try
        {
            return await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new HubConnectionException($"no answer within {ReadTimeout.TotalSeconds:0.#} s from {url.Host}", e);
        }
        catch (HttpRequestException e)
        {
            throw new HubConnectionException(Describe(e), e);
        }
    }

    static string Describe(HttpRequestException e) => e.InnerException switch
    {
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => $"connection refused: {e.Message}",
        SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData } => $"host name not resolved: {e.Message}",
        _ when e.HttpRequestError == HttpRequestError.NameResolutionError => $"host name not resolved: {e.Message}",
        _ => e.Message,
    };

    HubFileMetadata Metadata(HttpResponseMessage response, string file, Uri downloadUrl)
    {
        string? commit = Header(response, "X-Repo-Commit");
        string etag = NormalizeEtag(Header(response, "X-Linked-Etag") ?? Header(response, "ETag"))
            ?? throw _errors.BadHeader(file, "has no ETag header");
        if (!HubCacheFolder.IsSafeName(etag)) throw _errors.BadHeader(file, $"has an ETag '{etag}' that is not a plain hash");
        if (commit is not null && !HubCacheFolder.IsSafeName(commit))
            throw _errors.BadHeader(file, $"has an X-Repo-Commit '{commit}' that is not a commit hash");
        long? size = long.TryParse(Header(response, "X-Linked-Size"), out long linked) ? linked : response.Content.Headers.ContentLength;
        return new HubFileMetadata(file, commit, etag, size, downloadUrl);
    }

    static bool IsRepoLevel(HttpResponseMessage response) =>
        Header(response, "X-Error-Code") is "RepoNotFound" or "RevisionNotFound";

    static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? values.FirstOrDefault() : null;

    static string? NormalizeEtag(string? etag)
    {
        if (etag is null) return null;
        if (etag.StartsWith("W/", StringComparison.Ordinal)) etag = etag[2..];
        etag = etag.Trim('"');
        return etag.Length == 0 ? null : etag;
    }

    public void Dispose() => _client.Dispose();
}

/// <summary>No answer from a server (refused, unresolved, timed out, dropped): the locator decides whether that means
/// "retry the download" or "the hub cannot be reached".</summary>
sealed class HubConnectionException(string reason, Exception inner) : IOException(reason, inner);
