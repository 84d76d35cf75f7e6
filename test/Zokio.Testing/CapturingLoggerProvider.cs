using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Zokio.Testing;

/// <summary>One log message a <see cref="CapturingLoggerProvider"/> collected.</summary>
public sealed record CapturedLog(string Category, LogLevel Level, string Message)
{
    /// <summary>For tests that look only at what was said and how loudly.</summary>
    public void Deconstruct(out LogLevel level, out string message)
    {
        level = Level;
        message = Message;
    }
}

/// <summary>
/// Collects formatted log messages, for tests that check what operators are told. A logger provider for a host's
/// logging, and a logger factory for what takes one directly (an <c>EventLoopGroup</c>).
/// </summary>
/// <param name="minimumLevel">The least level collected: a host's tests collect from Information up, as a host logs by default.</param>
public sealed class CapturingLoggerProvider(LogLevel minimumLevel = LogLevel.Trace) : ILoggerProvider, ILoggerFactory
{
    public LogLevel MinimumLevel { get; } = minimumLevel;

    public ConcurrentQueue<CapturedLog> Messages { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner.MinimumLevel;

        // What reaches Log passed the host's own filters (a host's logger calls Log without asking IsEnabled): keep it all.
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Messages.Enqueue(new CapturedLog(category, logLevel, formatter(state, exception)));
    }
}
