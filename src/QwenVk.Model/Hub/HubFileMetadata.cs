namespace QwenVk.Model.Hub;

/// <summary>What the hub says about one file before its download: the commit it belongs to (null when the server
/// did not say), its etag (the SHA-256 of the content for LFS files), its size, and where to fetch it from (a CDN
/// address for LFS files).</summary>
sealed record HubFileMetadata(string File, string? Commit, string Etag, long? Size, Uri DownloadUrl);
