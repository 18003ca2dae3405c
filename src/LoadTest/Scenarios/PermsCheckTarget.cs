using System.Diagnostics;
using Perms.Grpc;
using Perms.LoadTest.Running;
using Perms.LoadTest.Truth;

namespace Perms.LoadTest.Scenarios;

/// <summary>
/// Perms' <c>CheckPermission</c>, one case of the workload per request, judged by the workload (the ground truth and
/// the windows of changes made during the run).
/// </summary>
/// <remarks>
/// With <c>prewarm</c>, <see cref="PrepareAsync"/> checks each distinct (user, organization) of the first
/// <see cref="Cases"/> sequences once, and request n then asks case n mod <see cref="Cases"/>: every measured check finds
/// its user and organization grains active (the <c>warm</c> scenario; the same cases, in the same order, as the Better
/// Auth target of <c>compare</c>). Without it request n asks case n, and whether grains are active depends on the
/// workload and on what the silo has seen (<see cref="CheckWorkload.InUserOrder"/> on a fresh silo is <c>cold</c>).
/// <see cref="CycleCases"/> chooses the cycling apart from the prewarming (<c>compare</c>'s <c>fully_consistent</c>
/// target cycles the same cases as the others without warming them).
/// </remarks>
internal sealed class PermsCheckTarget : ILoadTarget
{
    /// <summary>How many cases a prewarmed target cycles through when not told otherwise.</summary>
    public const int DefaultCases = 20_000;

    private readonly ICheckWorkload _workload;
    private readonly PermsReadMode _readMode;
    private readonly bool _prewarm;
    private readonly PermsClient _client;
    private readonly SemaphoreSlim _prepareLock = new(1, 1);
    private bool _prepared;

    /// <summary>Creates the target; nothing is sent before <see cref="PrepareAsync"/>.</summary>
    /// <param name="name">The name in tables and reports.</param>
    /// <param name="address">The silo's (or gateway's) http:// or https:// address.</param>
    /// <param name="token">A caller token of the silo.</param>
    /// <param name="connections">gRPC channels (HTTP/2 connections), used in turn.</param>
    /// <param name="workload">The cases and how answers are judged.</param>
    /// <param name="readMode">The consistency asked on every check.</param>
    /// <param name="prewarm">Warm the grains of the first <see cref="Cases"/> cases and cycle through them (see the remarks).</param>
    public PermsCheckTarget(string name, Uri address, string token, int connections, ICheckWorkload workload, PermsReadMode readMode, bool prewarm)
    {
        ArgumentNullException.ThrowIfNull(workload);
        Name = name;
        _workload = workload;
        _readMode = readMode;
        _prewarm = prewarm;
        CycleCases = prewarm;
        _client = new PermsClient(address, token, connections, TimeSpan.FromSeconds(10));
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>How many cases (sequences 0 … Cases − 1) are warmed (with prewarm) and cycled through (with <see cref="CycleCases"/>).</summary>
    public int Cases { get; init; } = DefaultCases;

    /// <summary>Whether request n asks case n mod <see cref="Cases"/> rather than case n; by default, whether the target prewarms.</summary>
    public bool CycleCases { get; init; }

    /// <summary>Checks in flight while prewarming.</summary>
    public int PrewarmConcurrency { get; init; } = 64;

    /// <summary>Once (later calls return at once): with prewarm, activates the grains of the cases; otherwise nothing.</summary>
    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Cases, 1);
        await _prepareLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_prepared)
            {
                return;
            }

            if (_prewarm)
            {
                await _client.PrewarmAsync(Enumerable.Range(0, Cases).Select(i => _workload.Get(i)), PrewarmConcurrency, cancellationToken).ConfigureAwait(false);
            }

            _prepared = true;
        }
        finally
        {
            _prepareLock.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask<RequestResult> SendAsync(long sequence, CancellationToken cancellationToken)
    {
        var check = _workload.Get(CycleCases ? sequence % Cases : sequence);
        var request = PermsClient.Request(check, _readMode);
        var sentAt = Stopwatch.GetTimestamp();
        Api.V1.CheckPermissionResponse response;
        try
        {
            response = await _client.CheckAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (GrpcStatusException e)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return new RequestResult(RequestOutcome.Error, PermsClient.Label(e));
        }

        return _workload.IsAcceptable(check, response.Allowed, sentAt, PermsClient.ReadsFresh(_readMode))
            ? RequestResult.Correct
            : new RequestResult(RequestOutcome.Wrong, PermsClient.DescribeWrong(check, response.Allowed, response.Reason, response.GrantedByRole));
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        _prepareLock.Dispose();
        return ValueTask.CompletedTask;
    }
}
