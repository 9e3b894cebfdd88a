using System.Diagnostics;

namespace QwenVk.Tests.Native;

/// <summary>Builds the C ABI once per test run (tools/build-native.sh into the test output folder, a NativeAOT
/// publish: incremental after the first) and compiles samples/c/generate.c against it with the system C compiler.</summary>
public sealed class NativeLibraryFixture
{
    public string Folder { get; } = Path.Combine(AppContext.BaseDirectory, "native");
    public string Library => Path.Combine(Folder, "libqwenvk.so");
    public string Sample => Path.Combine(Folder, "generate");

    public NativeLibraryFixture()
    {
        Run("bash", [Path.Combine(RepoPaths.Root, "tools", "build-native.sh"), Folder]);
        Run("cc", ["-std=c99", "-Wall", "-Wextra", "-Werror", "-I", Folder, Path.Combine(RepoPaths.Root, "samples", "c", "generate.c"),
            "-L", Folder, "-lqwenvk", "-Wl,-rpath," + Folder, "-o", Sample]);
    }

    public static (int Code, string Stdout, string Stderr) Exec(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // vk_layer_settings.txt (synchronization validation) is read from here; QWENVK_VALIDATION=1 is inherited.
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout, stderr.Result);
    }

    static void Run(string file, IEnumerable<string> args)
    {
        var (code, stdout, stderr) = Exec(file, args);
        if (code != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({code}):\n{stdout}\n{stderr}");
    }
}
