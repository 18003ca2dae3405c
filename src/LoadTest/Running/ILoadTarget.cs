namespace Perms.LoadTest.Running;

/// <summary>
/// One kind of request the load generator sends (a Perms CheckPermission, an empty gRPC call, Better Auth's
/// hasPermission over HTTP…) and how its answers are judged. Implementations are thread-safe: the runner calls
/// <see cref="SendAsync"/> from many tasks at once.
/// </summary>
internal interface ILoadTarget : IAsyncDisposable
{
    /// <summary>What is measured, for tables and reports (e.g. <c>perms CheckPermission (warm)</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Called once before the run: open connections, create sessions, warm caches when the scenario says so. Not timed.
    /// </summary>
    Task PrepareAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Sends request number <paramref name="sequence"/> (0, 1, 2… across all workers; a target picks its inputs from
    /// it) and judges the answer against the ground truth. Returns an error outcome for a failed call; throws only
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    ValueTask<RequestResult> SendAsync(long sequence, CancellationToken cancellationToken);
}
