using Microsoft.Extensions.Logging;

namespace QwenVk.Cli;

/// <summary>The library's notes for the user (Microsoft.Extensions.Logging), printed on stderr as "note: ...".</summary>
sealed class StderrLogger : ILogger
{
    public static readonly StderrLogger Instance = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel)) Console.Error.WriteLine($"note: {formatter(state, exception)}");
    }
}
