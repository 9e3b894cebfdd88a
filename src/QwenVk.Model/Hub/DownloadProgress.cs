namespace QwenVk.Model.Hub;

/// <summary>How far the download of one file of a snapshot has come. <see cref="BytesTotal"/> is null when the hub
/// did not say the size.</summary>
public readonly record struct DownloadProgress(string File, long BytesDone, long? BytesTotal);
