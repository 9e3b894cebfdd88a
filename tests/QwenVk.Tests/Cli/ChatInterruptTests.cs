using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace QwenVk.Tests.Cli;

/// <summary>Ctrl+C in chat stops the reply and returns to the prompt, turn after turn (SIGINT is what a terminal
/// sends for Ctrl+C).</summary>
public sealed class ChatInterruptTests(CliModels m) : IClassFixture<CliModels>
{
    [DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int signal);

    const int SIGINT = 2;

    sealed class Output
    {
        readonly StringBuilder _text = new();
        public void Append(char[] buffer, int n) { lock (_text) _text.Append(buffer, 0, n); }
        public string Text { get { lock (_text) return _text.ToString(); } }

        public void WaitFor(Func<string, bool> done, string what, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (!done(Text))
            {
                if (clock.Elapsed > timeout) throw new TimeoutException($"waited {timeout} for {what}; output so far:\n{Text}");
                Thread.Sleep(20);
            }
        }
    }

    static Task Pump(StreamReader reader, Output output) => Task.Run(() =>
    {
        var buffer = new char[256];
        for (int n; (n = reader.Read(buffer, 0, buffer.Length)) > 0;) output.Append(buffer, n);
    });

    static int Count(string text, string what) => (text.Length - text.Replace(what, "").Length) / what.Length;

    [Fact]
    public async Task CtrlCStopsEachReplyAndTheChatGoesOn()
    {
        // Greedy on this random model runs on (no end-of-turn token within the limit), so a reply is in flight.
        var psi = CliRunner.StartInfo(["chat", "--model", m.WithTokenizer, "--temperature", "0", "-n", "400", "--ctx", "512"]);
        using var p = Process.Start(psi)!;
        var stdout = new Output();
        var stderr = new Output();
        var pumps = new[] { Pump(p.StandardOutput, stdout), Pump(p.StandardError, stderr) };
        try
        {
            var timeout = TimeSpan.FromSeconds(90);
            stdout.WaitFor(t => t.StartsWith("> "), "the first prompt", timeout);
            for (int turn = 1; turn <= 3; turn++)
            {
                int before = stdout.Text.Length;
                p.StandardInput.WriteLine($"Tell me story number {turn}");
                p.StandardInput.Flush();
                // Some reply text, then Ctrl+C while it streams.
                stdout.WaitFor(t => t.Length > before + 8, $"reply {turn} to start", timeout);
                Assert.Equal(0, kill(p.Id, SIGINT));
                stdout.WaitFor(t => Count(t, "[stopped]") == turn && t.EndsWith("> "), $"reply {turn} to stop and a new prompt", timeout);
                Assert.False(p.HasExited, $"chat exited after Ctrl+C in reply {turn}:\n{stderr.Text}");
            }
            p.StandardInput.WriteLine("/exit");
            p.StandardInput.Flush();
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(30)), "chat did not exit after /exit");
            await Task.WhenAll(pumps).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}\n{stderr.Text}");
            Assert.DoesNotContain("error", stderr.Text);
            Assert.DoesNotContain("Exception", stderr.Text);
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
    }
}
