using Silk.NET.Vulkan;

namespace QwenVk.Runtime.Vulkan;

/// <summary>A Vulkan call failed. The message names the call, its VkResult and, where known, what to do.</summary>
public sealed class VulkanException : Exception
{
    public string Call { get; }
    public Result Result { get; }

    public VulkanException(string call, Result result, string? hint = null)
        : base($"{call} failed with {Name(result)}{(hint is null ? "" : ": " + hint)}")
    {
        Call = call;
        Result = result;
    }

    public VulkanException(string message) : base(message)
    {
        Call = "";
        Result = Result.ErrorUnknown;
    }

    static string Name(Result r) => r switch
    {
        Result.ErrorOutOfDeviceMemory => "VK_ERROR_OUT_OF_DEVICE_MEMORY",
        Result.ErrorOutOfHostMemory => "VK_ERROR_OUT_OF_HOST_MEMORY",
        Result.ErrorInitializationFailed => "VK_ERROR_INITIALIZATION_FAILED",
        Result.ErrorIncompatibleDriver => "VK_ERROR_INCOMPATIBLE_DRIVER",
        Result.ErrorDeviceLost => "VK_ERROR_DEVICE_LOST",
        Result.ErrorLayerNotPresent => "VK_ERROR_LAYER_NOT_PRESENT",
        Result.ErrorExtensionNotPresent => "VK_ERROR_EXTENSION_NOT_PRESENT",
        Result.ErrorFeatureNotPresent => "VK_ERROR_FEATURE_NOT_PRESENT",
        _ => $"VkResult {r} ({(int)r})",
    };

    /// <summary>Throws when <paramref name="result"/> is not VK_SUCCESS.</summary>
    public static void Check(Result result, string call, string? hint = null)
    {
        if (result != Result.Success)
            throw new VulkanException(call, result, hint ?? DefaultHint(result));
    }

    static string? DefaultHint(Result r) => r switch
    {
        Result.ErrorOutOfDeviceMemory => "the GPU is out of memory; use a smaller model or a shorter context length, or close other GPU programs",
        Result.ErrorIncompatibleDriver => "no Vulkan driver could be loaded; install one (Debian: apt-get install mesa-vulkan-drivers) or check VK_ICD_FILENAMES",
        Result.ErrorDeviceLost => "the GPU driver reset the device (a kernel ran too long or faulted)",
        _ => null,
    };
}
