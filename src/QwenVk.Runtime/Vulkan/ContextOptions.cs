using Microsoft.Extensions.Logging;

namespace QwenVk.Runtime.Vulkan;

/// <summary>How an owned <see cref="VulkanContext"/> is created.</summary>
public sealed record ContextOptions
{
    /// <summary>A device index or a case-insensitive name substring; null means QWENVK_DEVICE, then the best device.</summary>
    public string? Device { get; init; }

    /// <summary>Enable VK_LAYER_KHRONOS_validation and collect its messages. Null means env QWENVK_VALIDATION=1.</summary>
    public bool? Validation { get; init; }

    /// <summary>Never map device-local buffers, so every upload and download takes the staging copy a discrete GPU
    /// needs. Lets tests exercise that path on unified-memory devices (lavapipe, integrated GPUs).</summary>
    public bool ForceStaging { get; init; }

    /// <summary>Where notes for the user go (a CPU driver chosen for want of a GPU, say). Null: nowhere; a library
    /// does not write to a host application's console, the application decides.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>The folder that keeps compiled pipelines between processes (<see cref="PipelineCacheFile"/>). Null:
    /// <see cref="DefaultPipelineCacheFolder"/>, unless QWENVK_PIPELINE_CACHE=0; empty: nothing is read or written.
    /// A folder named here is used whatever the environment says: the host asked for it.</summary>
    public string? PipelineCacheFolder { get; init; }

    public static bool ValidationFromEnvironment =>
        Environment.GetEnvironmentVariable("QWENVK_VALIDATION") is "1" or "true" or "on";

    /// <summary>qwenvk/pipelines under the user's cache folder: $XDG_CACHE_HOME, else ~/.cache (%LOCALAPPDATA% on
    /// Windows). Null when the user has no home folder to put it in.</summary>
    public static string? DefaultPipelineCacheFolder
    {
        get
        {
            // The XDG spec says a relative XDG_CACHE_HOME is invalid and to be ignored.
            var root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg) ? xdg
                : OperatingSystem.IsWindows() ? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData)
                : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) is { Length: > 0 } home ? Path.Combine(home, ".cache")
                : null;
            return string.IsNullOrEmpty(root) ? null : Path.Combine(root, "qwenvk", "pipelines");
        }
    }

    /// <summary>The folder an owned context persists its pipeline cache in, or null for none.</summary>
    internal string? ResolvedPipelineCacheFolder => PipelineCacheFolder switch
    {
        null => Environment.GetEnvironmentVariable("QWENVK_PIPELINE_CACHE") is "0" or "off" or "false" ? null : DefaultPipelineCacheFolder,
        "" => null,
        var folder => folder,
    };
}
