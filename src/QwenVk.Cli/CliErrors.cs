namespace QwenVk.Cli;

/// <summary>Every error ends the run as one line on stderr ("error: ...") and exit code 1, never a stack trace: the
/// readers validate what they read and say what to do; anything that still escapes them is printed the same way,
/// with its type, and with its stack when --verbose is given.</summary>
static class CliErrors
{
    public const string VerboseFlag = "--verbose";

    public static async Task<int> RunAsync(Func<Task<int>> body, bool verbose)
    {
        try
        {
            return await body();
        }
        catch (Exception e)
        {
            Console.Out.Flush();
            Console.Error.WriteLine($"error: {Describe(e)}");
            if (verbose) Console.Error.WriteLine(e);
            return 1;
        }
    }

    /// <summary>The message on one line. Exceptions of kinds the readers throw on purpose carry a message written
    /// for the user; others name their type too, so a report says what failed.</summary>
    public static string Describe(Exception e)
    {
        if (e is AggregateException { InnerExceptions.Count: 1 } a) e = a.InnerException!;
        string message = string.Join(" ", e.Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (e is QwenVk.Model.Inference.ContextOverflowException) message += " (--ctx sets the context length.)";
        return IsUserFacing(e) ? message : $"{message} ({e.GetType().Name}; run with {VerboseFlag} for details)";
    }

    internal static bool IsUserFacing(Exception e) =>
        e is QwenVk.Runtime.Vulkan.VulkanException or QwenVk.Runtime.Vulkan.OutOfDeviceMemoryException or IOException
            or InvalidDataException or ArgumentException or NotSupportedException or FormatException
            or OperationCanceledException or UnauthorizedAccessException or System.Text.Json.JsonException
            or QwenVk.Runtime.Graph.GraphCompileException or KeyNotFoundException or QwenVk.Model.Hub.HubException
            or ObjectDisposedException;
}
