using QwenVk.Runtime.Vulkan;

namespace QwenVk.Cli;

/// <summary>Turns the errors a user can cause or fix (bad files, missing driver, out of memory) into one clear
/// line on stderr and exit code 1, instead of a stack trace.</summary>
static class CliErrors
{
    public static async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (IsUserFacing(e))
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    public static bool IsUserFacing(Exception e) =>
        e is VulkanException or OutOfDeviceMemoryException or IOException or InvalidDataException
            or ArgumentException or NotSupportedException or FormatException or OperationCanceledException
            or UnauthorizedAccessException or System.Text.Json.JsonException
            or QwenVk.Runtime.Graph.GraphCompileException or KeyNotFoundException;
}
