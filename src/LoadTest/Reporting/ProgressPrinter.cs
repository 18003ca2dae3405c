using System.Globalization;
using Perms.LoadTest.Running;

namespace Perms.LoadTest.Reporting;

/// <summary>
/// Shows a phase's progress: on a terminal one live line rewritten in place (carriage return), in a log one line per
/// snapshot (about one a second). Thread-safe.
/// </summary>
internal sealed class ProgressPrinter : IProgress<LoadSnapshot>
{
    private readonly TextWriter _writer;
    private readonly bool _rewriteLine;
    private readonly Lock _lock = new();
    private string? _lineTarget;
    private int _lineLength;

    /// <summary>Prints to <paramref name="writer"/>, rewriting one line when <paramref name="rewriteLine"/>, else a line per snapshot.</summary>
    public ProgressPrinter(TextWriter writer, bool rewriteLine)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _writer = writer;
        _rewriteLine = rewriteLine;
    }

    /// <summary>
    /// Prints to standard error — standard output stays for the results, which may be piped — rewriting the line
    /// unless standard error is redirected.
    /// </summary>
    public static ProgressPrinter ForConsole() => new(Console.Error, !Console.IsErrorRedirected);

    /// <inheritdoc/>
    public void Report(LoadSnapshot value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var line = Format(value);
        lock (_lock)
        {
            if (!_rewriteLine)
            {
                _writer.WriteLine(line);
            }
            else
            {
                if (_lineTarget is not null && _lineTarget != value.Target)
                {
                    // The previous target's last line stays on screen.
                    _writer.WriteLine();
                    _lineLength = 0;
                }

                _writer.Write('\r');
                _writer.Write(line.PadRight(_lineLength));
                _lineLength = line.Length;
                _lineTarget = value.Target;
            }

            _writer.Flush();
        }
    }

    /// <summary>Ends the live line, so what is printed next starts on a line of its own. Call it after each phase.</summary>
    public void Finish()
    {
        lock (_lock)
        {
            if (_lineTarget is not null)
            {
                _writer.WriteLine();
                _writer.Flush();
                _lineTarget = null;
                _lineLength = 0;
            }
        }
    }

    /// <summary>
    /// One progress line: <c>perms check | measuring 12/30 s | 10,234/s | p50 87.3 µs p99 240 µs | errors 0 | wrong 0 | 18 s left</c>.
    /// </summary>
    public static string Format(LoadSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var part = snapshot.WarmingUp ? "warm-up" : "measuring";
        var total = snapshot.Elapsed + snapshot.Remaining;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{snapshot.Target} | {part} {snapshot.Elapsed.TotalSeconds:0}/{total.TotalSeconds:0} s | {ReportFormat.Number(snapshot.RatePerSecond)}/s"
                + $" | p50 {ReportFormat.Latency(snapshot.P50Micros)} p99 {ReportFormat.Latency(snapshot.P99Micros)}"
                + $" | errors {ReportFormat.Number(snapshot.Errors)} | wrong {ReportFormat.Number(snapshot.Wrong)}"
                + $" | {Math.Ceiling(snapshot.Remaining.TotalSeconds):0} s left");
    }
}
