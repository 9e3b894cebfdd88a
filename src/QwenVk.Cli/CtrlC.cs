namespace QwenVk.Cli;

/// <summary>
/// Ctrl+C for the whole process, in one handler registered once. Work that Ctrl+C should stop without ending the
/// program (a reply in chat or generate, a download) runs in a <see cref="Scope"/>; Ctrl+C cancels the innermost
/// scope and the process goes on. Outside any scope (at chat's prompt, say) Ctrl+C ends the process as usual.
/// One handler instead of one per turn: handlers registered per reply and never removed piled up and fired on
/// disposed token sources.
/// </summary>
static class CtrlC
{
    static readonly object Lock = new();
    static readonly List<CancellationTokenSource> Scopes = new();
    static bool _registered;

    public sealed class Scope : IDisposable
    {
        readonly CancellationTokenSource _cts;
        internal Scope(CancellationTokenSource cts) => _cts = cts;
        public CancellationToken Token => _cts.Token;
        public bool IsCancellationRequested => _cts.IsCancellationRequested;

        public void Dispose()
        {
            lock (Lock) Scopes.Remove(_cts);
            _cts.Dispose();
        }
    }

    public static Scope Begin()
    {
        lock (Lock)
        {
            if (!_registered)
            {
                Console.CancelKeyPress += OnCancelKeyPress;
                _registered = true;
            }
            var cts = new CancellationTokenSource();
            Scopes.Add(cts);
            return new Scope(cts);
        }
    }

    static void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        lock (Lock)
        {
            for (int i = Scopes.Count - 1; i >= 0; i--)
            {
                if (Scopes[i].IsCancellationRequested) continue;
                e.Cancel = true;
                Scopes[i].Cancel();
                return;
            }
        }
    }
}
