using System.Diagnostics;

namespace QwenVk.Tests.Cli;

/// <summary>Runs the qwenvk command line as a child process (the build copies qwenvk.dll beside the tests), so a
/// test sees what a user sees: exit code, stdout, stderr, and a crash as a crash.</summary>
static class CliRunner
{
    public sealed record Result(int ExitCode, string Out, string Err)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Out}\nstderr:\n{Err}";
    }

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "qwenvk.dll");

    public static ProcessStartInfo StartInfo(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? env = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        // Never reach out to the network from a test; the hub cache is wherever the test says.
        psi.Environment["HF_HUB_OFFLINE"] = "1";
        psi.Environment["NO_COLOR"] = "1";
        if (env is not null)
            foreach (var (k, v) in env) psi.Environment[k] = v;
        return psi;
    }

    public static Result Run(IEnumerable<string> args, string? stdin = null, IReadOnlyDictionary<string, string?>? env = null, int timeoutSeconds = 180)
    {
        using var p = Process.Start(StartInfo(args, env))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        if (!p.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"qwenvk {string.Join(' ', args)} did not finish within {timeoutSeconds} s");
        }
        p.WaitForExit();
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>A failed run as a user must see it: a non-zero exit code, one "error:" line naming
    /// <paramref name="mustMention"/>, and no stack trace.</summary>
    public static void AssertOneLineError(Result r, params string[] mustMention)
    {
        Assert.True(r.ExitCode is not 0 and < 128, $"expected a failure exit code below 128 (not a crash):\n{r}");
        var errors = r.Err.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 1, $"expected exactly one error line:\n{r}");
        Assert.DoesNotContain("   at ", r.Err);
        Assert.DoesNotContain("Unhandled exception", r.Err);
        foreach (var m in mustMention) Assert.Contains(m, errors[0]);
    }
}
