using System.Collections.Concurrent;
using Perms.Api.V1;
using Perms.Grpc;

namespace Perms.IntegrationTests.Cluster;

/// <summary>How one call of a <see cref="ClusterLoad"/> ended.</summary>
internal enum CallOutcome
{
    /// <summary>The right answer.</summary>
    Correct,

    /// <summary>An answer, and a wrong one.</summary>
    Wrong,

    /// <summary>No answer: a status other than OK, or a transport failure.</summary>
    Error,
}

/// <summary>One call: when it started and ended (UTC), for which user, how it ended.</summary>
internal sealed record CallRecord(DateTime Start, DateTime End, int User, CallOutcome Outcome, string Detail)
{
    /// <summary>True when the call was in flight at some moment of [<paramref name="from"/>, <paramref name="to"/>].</summary>
    public bool Overlaps(DateTime from, DateTime to) => End >= from && Start <= to;

    public override string ToString() => $"{Start:HH:mm:ss.fff}–{End:HH:mm:ss.fff} {ClusterProcessFixture.UserId(User)} {Outcome}: {Detail}";
}

/// <summary>
/// Concurrent callers of CheckPermission over one <see cref="GrpcChannel"/> (so, one client), each picking random users
/// in a loop and checking every answer with <see cref="ClusterProcessFixture.Verify"/>, until <see cref="StopAsync"/>.
/// Every call is recorded.
/// </summary>
internal sealed class ClusterLoad : IAsyncDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(3);

    private readonly ConcurrentQueue<CallRecord> _records = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;

    private ClusterLoad(GrpcChannel channel, KeyValuePair<string, string> authorization, int workers, TimeSpan pause)
    {
        _workers = [.. Enumerable.Range(0, workers).Select(w => Task.Run(() => RunAsync(channel, authorization, w, pause)))];
    }

    /// <summary>Starts <paramref name="workers"/> callers, each pausing <paramref name="pause"/> between calls (so as not to starve the servers of CPU).</summary>
    public static ClusterLoad Start(GrpcChannel channel, KeyValuePair<string, string> authorization, int workers = 4, TimeSpan? pause = null) =>
        new(channel, authorization, workers, pause ?? TimeSpan.FromMilliseconds(2));

    /// <summary>The calls recorded so far.</summary>
    public IReadOnlyList<CallRecord> Records => [.. _records];

    /// <summary>Stops the callers and returns every call, in start order.</summary>
    public async Task<IReadOnlyList<CallRecord>> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
        return [.. _records.OrderBy(r => r.Start)];
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }

    private async Task RunAsync(GrpcChannel channel, KeyValuePair<string, string> authorization, int worker, TimeSpan pause)
    {
        var random = new Random(worker);
        var options = new GrpcCallOptions { Headers = [authorization], Timeout = CallTimeout };
        while (!_stop.IsCancellationRequested)
        {
            var user = random.Next(ClusterProcessFixture.UserCount);
            var start = DateTime.UtcNow;
            CallOutcome outcome;
            string detail;
            try
            {
                var response = await channel.CallUnaryAsync(
                    "/perms.v1.PermissionService/CheckPermission",
                    ClusterProcessFixture.Check(user),
                    CheckPermissionResponse.Parser,
                    options);
                var wrong = ClusterProcessFixture.Verify(user, response);
                (outcome, detail) = wrong is null ? (CallOutcome.Correct, "") : (CallOutcome.Wrong, wrong);
            }
            catch (GrpcStatusException e)
            {
                (outcome, detail) = (CallOutcome.Error, $"{e.Code}: {e.Detail}");
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
            {
                (outcome, detail) = (CallOutcome.Error, $"{e.GetType().Name}: {e.Message}");
            }

            _records.Enqueue(new CallRecord(start, DateTime.UtcNow, user, outcome, detail));
            if (pause > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(pause, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }
}
