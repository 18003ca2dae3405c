using Perms.LoadTest.Running;

namespace Perms.UnitTests.LoadTest;

public sealed class LoadRunnerClosedLoopTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Every 10th request is wrong, and two in ten fail with one of two labels.</summary>
    private static ScriptedLoadTarget MixedTarget() => new("fake mixed", async (sequence, cancellationToken) =>
    {
        await Task.Delay(1, cancellationToken);
        return (sequence % 10) switch
        {
            7 => new RequestResult(RequestOutcome.Wrong, $"#{sequence}: expected deny"),
            8 => new RequestResult(RequestOutcome.Error, "UNAVAILABLE"),
            9 => new RequestResult(RequestOutcome.Error, "HTTP 500"),
            _ => RequestResult.Correct,
        };
    });

    [Fact]
    public async Task A_closed_loop_counts_every_outcome_of_densely_numbered_requests()
    {
        var target = MixedTarget();

        var result = await LoadRunner.RunAsync(target, new LoadOptions(LoadMode.Closed, 0, 4, TimeSpan.FromSeconds(2), TimeSpan.Zero), null, Token);

        var sent = target.Sequences.Order().ToList();
        Assert.Equal(1, target.Prepared);
        Assert.NotEmpty(sent);
        Assert.Equal(Enumerable.Range(0, sent.Count).Select(i => (long)i), sent);
        Assert.Equal(sent.Count, result.Correct + result.Wrong + result.Errors);
        Assert.Equal(sent.Count(sequence => sequence % 10 == 7), result.Wrong);
        Assert.Equal(sent.Count(sequence => sequence % 10 is 8 or 9), result.Errors);
        Assert.Equal(sent.Count(sequence => sequence % 10 == 8), result.ErrorsByDetail["UNAVAILABLE"]);
        Assert.Equal(sent.Count(sequence => sequence % 10 == 9), result.ErrorsByDetail["HTTP 500"]);
        Assert.Equal(2, result.ErrorsByDetail.Count);
        Assert.Equal(Math.Min(10, result.Wrong), result.WrongExamples.Count);
        Assert.All(result.WrongExamples, example => Assert.EndsWith(": expected deny", example, StringComparison.Ordinal));
        Assert.Equal("fake mixed", result.Target);
        Assert.Equal(TimeSpan.FromSeconds(2), result.Elapsed);
        Assert.Equal((result.Correct + result.Wrong) / 2.0, result.Throughput, tolerance: 1e-9);
        Assert.Null(result.StartDelay);
    }

    [Fact]
    public async Task A_closed_loop_has_one_timeline_point_per_second_adding_up_to_the_totals()
    {
        var target = MixedTarget();

        var result = await LoadRunner.RunAsync(target, new LoadOptions(LoadMode.Closed, 0, 4, TimeSpan.FromSeconds(2), TimeSpan.Zero), null, Token);

        Assert.Equal([0, 1], result.Timeline.Select(point => point.Second));
        Assert.Equal(result.Correct + result.Wrong, result.Timeline.Sum(point => point.Completed));
        Assert.Equal(result.Errors, result.Timeline.Sum(point => point.Errors));
        Assert.Equal(result.Wrong, result.Timeline.Sum(point => point.Wrong));
        Assert.All(result.Timeline, point => Assert.True(point.P50Micros > 0 && point.P99Micros >= point.P50Micros));
        Assert.True(result.Latency["p50"] > 0);
        Assert.True(result.Latency["p50"] <= result.Latency["p90"] && result.Latency["p90"] <= result.Latency["p99"]);
        Assert.True(result.Latency["p99"] <= result.Latency["p99.9"] && result.Latency["p99.9"] <= result.Latency["max"]);
        Assert.Equal(result.Correct + result.Wrong, result.Histogram.Sum(bucket => bucket.Count));
    }

    [Fact]
    public async Task The_warm_up_runs_the_same_load_unmeasured_and_progress_reports_both_parts()
    {
        var target = MixedTarget();
        var progress = new CapturedProgress();

        var result = await LoadRunner.RunAsync(target, new LoadOptions(LoadMode.Closed, 0, 2, TimeSpan.FromSeconds(1.2), TimeSpan.FromSeconds(1.2)), progress, Token);

        var sent = target.Sequences.Order().ToList();
        Assert.Equal(Enumerable.Range(0, sent.Count).Select(i => (long)i), sent);
        Assert.InRange(result.Correct + result.Wrong + result.Errors, 1, sent.Count - 1);
        Assert.Equal(2, result.Timeline.Count);
        var snapshots = progress.Snapshots;
        Assert.Contains(snapshots, snapshot => snapshot.WarmingUp);
        Assert.Contains(snapshots, snapshot => !snapshot.WarmingUp);
        Assert.All(snapshots, snapshot => Assert.Equal("fake mixed", snapshot.Target));
        var last = snapshots[^1];
        Assert.False(last.WarmingUp);
        Assert.Equal(TimeSpan.Zero, last.Remaining);
        Assert.Equal(result.Correct + result.Wrong, last.Completed);
    }

    [Fact]
    public async Task A_target_that_throws_is_counted_as_an_error_named_after_the_exception()
    {
        var target = new ScriptedLoadTarget("thrower", async (sequence, cancellationToken) =>
        {
            await Task.Delay(1, cancellationToken);
            return sequence % 2 == 0 ? throw new InvalidOperationException("boom") : RequestResult.Correct;
        });

        var result = await LoadRunner.RunAsync(target, new LoadOptions(LoadMode.Closed, 0, 2, TimeSpan.FromSeconds(0.5), TimeSpan.Zero), null, Token);

        Assert.True(result.Errors > 0);
        Assert.Equal(result.Errors, result.ErrorsByDetail[nameof(InvalidOperationException)]);
        Assert.True(result.Correct > 0);
    }

    [Fact]
    public async Task Cancelling_during_the_measured_part_returns_what_was_measured()
    {
        var target = MixedTarget();
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cancellation.CancelAfter(TimeSpan.FromSeconds(1.3));

        var result = await LoadRunner.RunAsync(target, new LoadOptions(LoadMode.Closed, 0, 2, TimeSpan.FromSeconds(30), TimeSpan.Zero), null, cancellation.Token);

        Assert.InRange(result.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(29));
        Assert.True(result.Correct > 0);
        Assert.Equal((int)Math.Ceiling(result.Elapsed.TotalSeconds), result.Timeline.Count);
    }

    [Fact]
    public async Task Cancelling_during_the_warm_up_throws()
    {
        var target = MixedTarget();
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cancellation.CancelAfter(TimeSpan.FromSeconds(0.3));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            LoadRunner.RunAsync(target, new LoadOptions(LoadMode.Closed, 0, 2, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)), null, cancellation.Token));
    }

    [Fact]
    public async Task Options_that_cannot_run_are_refused_with_every_reason()
    {
        var target = MixedTarget();

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            LoadRunner.RunAsync(target, new LoadOptions(LoadMode.Open, 0, 0, TimeSpan.Zero, TimeSpan.FromSeconds(-1)), null, Token));

        Assert.Contains("concurrency", error.Message, StringComparison.Ordinal);
        Assert.Contains("rate", error.Message, StringComparison.Ordinal);
        Assert.Contains("duration", error.Message, StringComparison.Ordinal);
        Assert.Contains("warm-up", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, target.Prepared);
    }
}
