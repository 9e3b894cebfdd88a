namespace QwenVk.Model.Hub;

/// <summary>Where models come from and go. Every setting left null falls back to the environment variable
/// huggingface_hub uses for it, so a model a Python user already downloaded is found in the same cache.</summary>
public sealed class HubOptions
{
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>Hub address; null: HF_ENDPOINT, else <see cref="DefaultEndpoint"/>.</summary>
    public string? Endpoint { get; init; }

    /// <summary>Cache root holding models--owner--name folders; null: HF_HUB_CACHE, else HF_HOME/hub, else
    /// $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub.</summary>
    public string? CacheDir { get; init; }

    /// <summary>Access token for private or gated repos; null: HF_TOKEN, else the token file `hf auth login` writes
    /// (HF_TOKEN_PATH, else HF_HOME/token). Empty: send no token.</summary>
    public string? Token { get; init; }

    /// <summary>Never contact the hub, use the cache only; null: HF_HUB_OFFLINE.</summary>
    public bool? Offline { get; init; }

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest wait for response headers, and for each chunk of a body: a stalled connection is retried.</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Tries per file when a download breaks off; each try resumes where the last one stopped.</summary>
    public int MaxAttempts { get; init; } = 5;

    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);
}
