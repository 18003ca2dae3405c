using System.Diagnostics;
using Perms.Api.V1;
using Perms.Grpc;
using Perms.LoadTest.Running;
using Perms.LoadTest.Truth;

namespace Perms.LoadTest.Scenarios;

/// <summary>
/// Perms' <c>CheckPermissions</c>: request n carries the workload's cases n·size … n·size + size − 1 (modulo
/// <see cref="Cases"/> with prewarm, as <see cref="PermsCheckTarget"/> does), and each item is judged on its own. A
/// request is wrong when any item is wrong, an error when any item failed (and none was wrong), correct otherwise; its
/// latency is the whole batch's.
/// </summary>
internal sealed class PermsBatchTarget : ILoadTarget
{
    /// <summary>The most checks one CheckPermissions may carry (the API's bound).</summary>
    public const int MaxBatchSize = 1000;

    private readonly ICheckWorkload _workload;
    private readonly int _batchSize;
    private readonly PermsReadMode _readMode;
    private readonly bool _prewarm;
    private readonly PermsClient _client;
    private readonly SemaphoreSlim _prepareLock = new(1, 1);
    private bool _prepared;
    private long _items;

    /// <summary>Creates the target; nothing is sent before <see cref="PrepareAsync"/>.</summary>
    /// <param name="name">The name in tables and reports.</param>
    /// <param name="address">The silo's http:// or https:// address.</param>
    /// <param name="token">A caller token of the silo.</param>
    /// <param name="connections">gRPC channels, used in turn.</param>
    /// <param name="workload">The cases and how answers are judged.</param>
    /// <param name="batchSize">Checks per request, 1 to <see cref="MaxBatchSize"/>.</param>
    /// <param name="readMode">The consistency asked on every check.</param>
    /// <param name="prewarm">Warm the grains of the first <see cref="Cases"/> cases and cycle through them.</param>
    public PermsBatchTarget(string name, Uri address, string token, int connections, ICheckWorkload workload, int batchSize, PermsReadMode readMode, bool prewarm)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(batchSize, MaxBatchSize);
        Name = name;
        _workload = workload;
        _batchSize = batchSize;
        _readMode = readMode;
        _prewarm = prewarm;
        _client = new PermsClient(address, token, connections, TimeSpan.FromSeconds(30));
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>With prewarm: how many cases are warmed and cycled through.</summary>
    public int Cases { get; init; } = PermsCheckTarget.DefaultCases;

    /// <summary>Checks in flight while prewarming.</summary>
    public int PrewarmConcurrency { get; init; } = 64;

    /// <summary>Checks answered so far (items of answered batches).</summary>
    public long Items => Interlocked.Read(ref _items);

    /// <summary>Once: with prewarm, activates the grains of the cases.</summary>
    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Cases, 1);
        await _prepareLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_prepared && _prewarm)
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
        var checks = new CheckCase[_batchSize];
        var request = new CheckPermissionsRequest();
        for (var i = 0; i < checks.Length; i++)
        {
            var index = sequence * _batchSize + i;
            checks[i] = _workload.Get(_prewarm ? index % Cases : index);
            request.Checks.Add(PermsClient.Request(checks[i], _readMode));
        }

        var sentAt = Stopwatch.GetTimestamp();
        CheckPermissionsResponse response;
        try
        {
            response = await _client.CheckManyAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (GrpcStatusException e)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return new RequestResult(RequestOutcome.Error, PermsClient.Label(e));
        }

        if (response.Results.Count != checks.Length)
        {
            return new RequestResult(RequestOutcome.Wrong, $"{checks.Length} checks sent, {response.Results.Count} results received");
        }

        Interlocked.Add(ref _items, checks.Length);
        string? error = null;
        for (var i = 0; i < checks.Length; i++)
        {
            var outcome = response.Results[i];
            if (outcome.OutcomeCase == CheckOutcome.OutcomeOneofCase.Response)
            {
                var answer = outcome.Response;
                if (!_workload.IsAcceptable(checks[i], answer.Allowed, sentAt, PermsClient.ReadsFresh(_readMode)))
                {
                    return new RequestResult(RequestOutcome.Wrong, $"item {i}: {PermsClient.DescribeWrong(checks[i], answer.Allowed, answer.Reason, answer.GrantedByRole)}");
                }
            }
            else
            {
                error ??= outcome.OutcomeCase == CheckOutcome.OutcomeOneofCase.Error
                    ? $"item {PermsClient.Label((GrpcStatusCode)outcome.Error.Code)}"
                    : "item without outcome";
            }
        }

        return error is null ? RequestResult.Correct : new RequestResult(RequestOutcome.Error, error);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        _prepareLock.Dispose();
        return ValueTask.CompletedTask;
    }
}
