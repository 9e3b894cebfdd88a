namespace QwenVk.Model.Hub;

/// <summary><see cref="HubOptions"/> with every unset value taken from the environment, as huggingface_hub does.</summary>
sealed record HubSettings(string Endpoint, string CacheDir, string? Token, bool Offline, HubOptions Options)
{
    public static HubSettings From(HubOptions o)
    {
        string endpoint = (o.Endpoint ?? Env("HF_ENDPOINT") ?? HubOptions.DefaultEndpoint).TrimEnd('/');
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            throw new ArgumentException($"hub endpoint '{endpoint}' (from {(o.Endpoint is null ? "HF_ENDPOINT" : "the options")}) is not an http(s) address like {HubOptions.DefaultEndpoint}.");
        string? token = o.Token ?? Env("HF_TOKEN") ?? TokenFile();
        return new HubSettings(endpoint, Path.GetFullPath(o.CacheDir ?? DefaultCacheDir()),
            string.IsNullOrWhiteSpace(token) ? null : token.Trim(), o.Offline ?? IsTrue(Env("HF_HUB_OFFLINE")), o);
    }

    static string DefaultCacheDir() => Env("HF_HUB_CACHE") ?? Path.Combine(HfHome(), "hub");

    static string HfHome() => Env("HF_HOME") ?? Path.Combine(
        Env("XDG_CACHE_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
        "huggingface");

    static string? TokenFile()
    {
        string path = Env("HF_TOKEN_PATH") ?? Path.Combine(HfHome(), "token");
        try { return File.Exists(path) ? File.ReadAllText(path).Trim() : null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;

    static bool IsTrue(string? v) => v is not null && (v == "1" || v.Equals("true", StringComparison.OrdinalIgnoreCase)
        || v.Equals("yes", StringComparison.OrdinalIgnoreCase) || v.Equals("on", StringComparison.OrdinalIgnoreCase));
}
