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

    public static bool ValidationFromEnvironment =>
        Environment.GetEnvironmentVariable("QWENVK_VALIDATION") is "1" or "true" or "on";
}
