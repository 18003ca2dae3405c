using Perms.LoadTest.Reporting;
using Perms.LoadTest.Running;

namespace Perms.UnitTests.LoadTest;

public sealed class ProgressPrinterTests
{
    [Fact]
    public void A_progress_printer_writes_a_line_a_snapshot_when_redirected()
    {
        var writer = new StringWriter();
        var printer = new ProgressPrinter(writer, rewriteLine: false);

        printer.Report(new LoadSnapshot("perms", true, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4), 900, 900, 0, 0, 80, 250));
        printer.Report(new LoadSnapshot("perms", false, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(9), 1000, 1000, 2, 1, 85, 1500));

        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal("perms | warm-up 1/5 s | 900/s | p50 80.0 µs p99 250 µs | errors 0 | wrong 0 | 4 s left", lines[0].TrimEnd('\r'));
        Assert.Equal("perms | measuring 1/10 s | 1,000/s | p50 85.0 µs p99 1.50 ms | errors 2 | wrong 1 | 9 s left", lines[1].TrimEnd('\r'));
    }

    [Fact]
    public void A_progress_printer_rewrites_one_line_on_a_terminal()
    {
        var writer = new StringWriter { NewLine = "\n" };
        var printer = new ProgressPrinter(writer, rewriteLine: true);

        printer.Report(new LoadSnapshot("perms", false, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(9), 1000, 12345, 0, 0, 85, 250));
        printer.Report(new LoadSnapshot("perms", false, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(8), 2000, 1000, 0, 0, 85, 250));
        Assert.DoesNotContain('\n', writer.ToString());
        printer.Report(new LoadSnapshot("other", false, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(9), 10, 10, 0, 0, 85, 250));
        printer.Finish();

        var text = writer.ToString();
        Assert.Equal(3, text.Count(c => c == '\r'));
        Assert.Equal(2, text.Count(c => c == '\n'));
        Assert.EndsWith("9 s left\n", text, StringComparison.Ordinal);
        var secondLine = text.Split('\r')[2];
        Assert.Equal(text.Split('\r')[1].Length, secondLine.TrimEnd('\n').Length);
    }
}
