namespace QwenVk.Model.Hub;

/// <summary>The hub refused or failed a request the model needs; the message says what to do. An IOException so
/// that callers treating I/O failures as user errors (the CLI) report it in one line.</summary>
public class HubException(string message, int? statusCode = null, Exception? inner = null) : IOException(message, inner)
{
    /// <summary>The HTTP status the hub answered, or null when there was no answer.</summary>
    public int? StatusCode { get; } = statusCode;
}

/// <summary>The model is not (completely) in the local cache and the hub could not be reached, or offline mode is on.</summary>
public sealed class HubUnreachableException(string message, Exception? inner = null) : HubException(message, null, inner);
