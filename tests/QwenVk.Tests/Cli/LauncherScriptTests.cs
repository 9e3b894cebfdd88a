using System.Diagnostics;

namespace QwenVk.Tests.Cli;

/// <summary>./qwenvk rebuilds when a source changed, not when a build wrote generated files under obj/.</summary>
public sealed class LauncherScriptTests
{
    static string Check(string root)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(root, "qwenvk"));
        psi.Environment["QWENVK_STALE_CHECK"] = "1";
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return output;
    }

    [Fact]
    public void GeneratedFilesUnderObjDoNotTriggerARebuildButSourcesDo()
    {
        using var dir = new TempDir();
        var root = dir.Path;
        File.Copy(Path.Combine(RepoPaths.Root, "qwenvk"), Path.Combine(root, "qwenvk"));
        string Write(string relative, DateTime time)
        {
            var path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "");
            File.SetLastWriteTimeUtc(path, time);
            return path;
        }
        var now = DateTime.UtcNow;
        Write("src/QwenVk.Cli/Program.cs", now.AddHours(-2));
        Write("shaders/add.comp", now.AddHours(-2));
        Write("tools/x.cs", now.AddHours(-2));
        Write("tests/QwenVk.Reference/y.cs", now.AddHours(-2));
        var bin = Write("artifacts/cli/qwenvk", now.AddHours(-1));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(bin, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Assert.Equal("fresh", Check(root));

        Write("src/QwenVk.Cli/obj/Debug/net10.0/qwenvk.AssemblyInfo.cs", now);
        Write("src/QwenVk.Model/bin/Debug/net10.0/Generated.cs", now);
        Write("tools/QwenVk.Tools/obj/Release/net10.0/Tools.GlobalUsings.g.cs", now);
        Assert.Equal("fresh", Check(root));

        Write("src/QwenVk.Cli/Program.cs", now);
        Assert.Equal("stale", Check(root));
    }
}
