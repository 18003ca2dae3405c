using Perms.LoadTest.Running;

namespace Perms.UnitTests.LoadTest;

/// <summary>
/// Open-loop behaviour, asserted qualitatively: a slow or busy machine issues fewer requests and queues more, so the
/// bounds only ever lean the way slowness pushes them.
/// </summary>
public sealed class LoadRunnerOpenLoopTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_open_loop_issues_about_rate_times_duration_requests()
    {
        var target = new ScriptedLoadTarget("fast", async (_, _) =>
        {
            await Task.Yield();
            return RequestResult.Correct;
        });

        var result = await LoadRunner.RunAsync(target, new LoadOptions(LoadMode.Open, 500, 64, TimeSpan.FromSeconds(2), TimeSpan.Zero), null, Token);

        var issued = result.Correct + result.Wrong + result.Errors;
        Assert.InRange(issued, 500, 1000);
        Assert.Equal(result.Errors, result.ErrorsByDetail.GetValueOrDefault(LoadRun.OverloadDetail));
        var sent = target.Sequences.Order().ToList();
        Assert.Equal(Enumerable.Range(0, sent.Count).Select(i => (long)i), sent);
        Assert.Equal(sent.Count, result.Correct);
        Assert.Equal([0, 1], result.Timeline.Select(point => point.Second));
        Assert.NotNull(result.StartDelay);
        Assert.InRange(result.StartDelay["p50"], 0, result.StartDelay["max"]);
    }

    [Fact]
    public async Task Latency_runs_from_the_intended_start_so_queueing_behind_a_slow_target_shows()
    {
        // One request at a time, 30 ms each (33/s), offered 40/s: each request waits about 5 ms longer than the one
        // before. The backlog at the end stays small, so even a slow machine drains it well within the drain timeout.
        using var oneAtATime = new SemaphoreSlim(1);
        var target = new ScriptedLoadTarget("serial 30 ms", async (_, cancellationToken) =>
        {
            await oneAtATime.WaitAsync(cancellationToken);
            try
            {
                await Task.Delay(30, cancellationToken);
                return RequestResult.Correct;
            }
            finally
            {
                oneAtATime.Release();
            }
        });

        var result = await LoadRunner.RunAsync(target, new LoadOptions(LoadMode.Open, 40, 1000, TimeSpan.FromSeconds(2), TimeSpan.Zero), null, Token);

        Assert.False(result.ErrorsByDetail.ContainsKey(LoadRun.OverloadDetail));
        Assert.True(result.Latency["p50"] >= 25_000, $"p50 {result.Latency["p50"]} µs is below the 30 ms service time");
        Assert.True(result.Latency["max"] >= 4 * 30_000, $"max {result.Latency["max"]} µs shows no queueing");
        Assert.Equal(2, result.Timeline.Count);
        Assert.True(result.Timeline[1].P50Micros > result.Timeline[0].P50Micros, "the queue should grow from one second to the next");
    }

    [Fact]
    public async Task Arrivals_beyond_the_concurrency_cap_are_overload_errors_not_delays()
    {
        var target = new ScriptedLoadTarget("slow 20 ms", async (_, cancellationToken) =>
        {
            await Task.Delay(20, cancellationToken);
            return RequestResult.Correct;
        });

        var result = await LoadRunner.RunAsync(target, new LoadOptions(LoadMode.Open, 200, 1, TimeSpan.FromSeconds(1), TimeSpan.Zero), null, Token);

        Assert.True(result.Correct > 0);
        Assert.Equal(result.Errors, result.ErrorsByDetail[LoadRun.OverloadDetail]);
        Assert.True(result.Errors > result.Correct, $"{result.Errors} overloads for {result.Correct} answers at 4× the capacity");
        Assert.Equal(target.Sequences.Count, result.Correct);
        Assert.True(result.Latency["p50"] >= 15_000);
        Assert.True(result.Latency["max"] < 2_000_000, "refused arrivals must not queue (queued, the last would wait about 3 s)");
        Assert.Equal(result.Errors, result.Timeline.Sum(point => point.Errors));
    }
}
