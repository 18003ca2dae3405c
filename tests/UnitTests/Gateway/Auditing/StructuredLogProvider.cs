using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Perms.UnitTests.Gateway.Auditing;

/// <summary>Keeps every log entry with its structured fields (the state's name/value pairs), at every level.</summary>
public sealed class StructuredLogProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<StructuredLog> _entries = new();

    public IReadOnlyCollection<StructuredLog> Entries => _entries;

    /// <summary>The entries of category <paramref name="category"/>, in order.</summary>
    public IReadOnlyList<StructuredLog> Of(string category) => [.. _entries.Where(e => e.Category == category)];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<StructuredLog> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (state is IReadOnlyList<KeyValuePair<string, object?>> pairs)
            {
                foreach (var (name, value) in pairs)
                {
                    fields[name] = value;
                }
            }

            entries.Enqueue(new StructuredLog(category, logLevel, eventId, formatter(state, exception), fields));
        }
    }
}
