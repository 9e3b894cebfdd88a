using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace QwenVk.Model.Hub;

/// <summary>Downloads one file into blobs/{etag}: into blobs/{etag}.incomplete first, resuming with a Range request
/// from whatever a broken-off earlier try left there, then checks the size and, when the etag is a SHA-256 (LFS
/// files), the content's hash, and only then gives it its final name.</summary>
sealed partial class BlobDownloader(HubHttp http, HubCacheFolder cache, HubErrors errors, HubOptions options,
    IProgress<DownloadProgress>? progress)
{
    const int BufferBytes = 1 << 16;
    const long ReportEveryBytes = 1 << 20;

    public async Task DownloadAsync(HubFileMetadata meta, CancellationToken ct)
    {
        string blob = cache.BlobPath(meta.Etag);
        if (File.Exists(blob))
        {
            long length = new FileInfo(blob).Length;
            progress?.Report(new DownloadProgress(meta.File, length, meta.Size ?? length));
            return;
        }
        Directory.CreateDirectory(cache.BlobsDir);
        string partial = cache.IncompletePath(meta.Etag);
        string? actualHash;
        long actualLength;
        using (var file = OpenExclusive(partial, meta.File))
        {
            await FetchAsync(meta, file, ct);
            actualLength = file.Length;
            file.Position = 0;
            actualHash = IsSha256(meta.Etag) ? Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct)) : null;
        }
        if (meta.Size is long size && size != actualLength)
        {
            File.Delete(partial);
            throw errors.SizeMismatch(meta.File, size, actualLength);
        }
        if (actualHash is not null && !actualHash.Equals(meta.Etag, StringComparison.OrdinalIgnoreCase))
        {
            File.Delete(partial);
            throw errors.ChecksumMismatch(meta.File, meta.Etag, actualHash);
        }
        File.Move(partial, blob, overwrite: true);
    }

    /// <summary>Fills <paramref name="file"/> with the content, retrying broken-off transfers from where they stopped.</summary>
    async Task FetchAsync(HubFileMetadata meta, FileStream file, CancellationToken ct)
    {
        for (int attempt = 1; ; attempt++)
        {
            long start = file.Length;
            if (meta.Size is long size && start > size) start = Restart(file);
            if (start > 0 && start == meta.Size) return;
            try
            {
                using var response = await http.GetAsync(meta, start, ct);
                if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
                {
                    // The partial file does not fit the content (changed under the same etag, or damaged): start over.
                    Restart(file);
                    if (attempt < options.MaxAttempts) continue;
                    throw errors.Status(response, meta.File, meta.DownloadUrl);
                }
                // A server that ignores Range answers 200 with the whole content: keep that instead of appending it.
                if (start > 0 && (response.StatusCode != HttpStatusCode.PartialContent || ContentRangeStart(response) != start))
                    start = Restart(file);
                file.Position = start;
                await CopyBodyAsync(response, file, meta, ct);
                return;
            }
            catch (HubConnectionException e) when (!ct.IsCancellationRequested)
            {
                await file.FlushAsync(CancellationToken.None);
                if (attempt >= options.MaxAttempts) throw errors.Interrupted(meta.File, file.Length, meta.Size, e);
                await Task.Delay(options.RetryDelay, ct);
            }
        }
    }

    async Task CopyBodyAsync(HttpResponseMessage response, FileStream file, HubFileMetadata meta, CancellationToken ct)
    {
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[BufferBytes];
        long done = file.Position, reported = done;
        progress?.Report(new DownloadProgress(meta.File, done, meta.Size));
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
        while (true)
        {
            int n;
            stall.CancelAfter(http.ReadTimeout);
            try
            {
                n = await body.ReadAsync(buffer, stall.Token);
            }
            catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
            {
                throw new HubConnectionException($"no data for {http.ReadTimeout.TotalSeconds:0.#} s", e);
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                throw new HubConnectionException(e.Message, e);
            }
            if (n == 0) break;
            await file.WriteAsync(buffer.AsMemory(0, n), ct);
            done += n;
            if (done - reported >= ReportEveryBytes)
            {
                progress?.Report(new DownloadProgress(meta.File, done, meta.Size));
                reported = done;
            }
        }
        await file.FlushAsync(ct);
        if (reported != done) progress?.Report(new DownloadProgress(meta.File, done, meta.Size));
    }

    static long Restart(FileStream file)
    {
        file.SetLength(0);
        file.Position = 0;
        return 0;
    }

    static long? ContentRangeStart(HttpResponseMessage response) => response.Content.Headers.ContentRange?.From;

    /// <summary>Held open without sharing for the whole download, so two processes never write the same blob.</summary>
    FileStream OpenExclusive(string path, string file)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, BufferBytes, useAsync: true);
        }
        catch (IOException e) when (File.Exists(path))
        {
            throw new IOException($"{path}: in use, probably by another download of {file} from the same repo; wait for it to finish or stop it ({e.Message}).", e);
        }
    }

    static bool IsSha256(string etag) => Sha256().IsMatch(etag);

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256();
}
