namespace Perms.LoadTest.Running;

/// <summary>Runs one load phase against one target: warm-up, then the measured part; open or closed loop.</summary>
/// <remarks>
/// <para>
/// Closed loop: <see cref="LoadOptions.Concurrency"/> workers each send their next request when the previous one is
/// answered; latency runs from the actual start. A request belongs to the part (warm-up or measured) it started in.
/// </para>
/// <para>
/// Open loop: a dedicated thread issues request k at t0 + k/<see cref="LoadOptions.Rate"/> (t0 = the start of the
/// warm-up) and latency runs from that intended start to the answer, so time spent waiting for the client — a late
/// scheduler, a busy thread pool — counts, as it would for a real caller (no coordinated omission). At most
/// <see cref="LoadOptions.Concurrency"/> requests are in flight; an arrival beyond that is an error labelled
/// <c>overload</c>, not delayed, and takes no sequence number.
/// </para>
/// <para>
/// Sequence numbers come from one counter, 0, 1, 2… over the warm-up and the measured part, with no gaps. Requests in
/// flight at the end are awaited up to <see cref="LoadRun.DrainTimeout"/> and counted; those still unanswered then are
/// cancelled and counted as errors labelled <c>unfinished at end</c>. Answers after the end count in the last
/// timeline second. <see cref="LoadResult.Elapsed"/> is the measured window, <see cref="LoadOptions.Duration"/> (shorter
/// when cancelled), and the throughput is the answered requests started in it over that. A target that throws anything
/// but a cancellation is counted as an error labelled with the exception's type name.
/// </para>
/// <para>
/// Progress: every second of each part, at the end of the warm-up and once more when the phase ends; a warm-up
/// snapshot carries the warm-up's figures. Counts in snapshots, timelines and <see cref="LoadResult.Throughput"/> are
/// answered requests (correct or wrong); errors are counted apart.
/// </para>
/// <para>
/// Cost on the client: recording allocates nothing per request. The open-loop scheduler sleeps whole milliseconds
/// until the next request is 1.5 ms away, then (on Linux) sleeps with nanosleep — woken within the kernel's timer
/// slack, ~50 µs — until it is 20 µs away, and only then yields or spins: a millisecond sleep would add up to a
/// millisecond to every latency, and spinning would take a core from the silo on a 2-core machine. Requests due while
/// the scheduler slept go out together; <see cref="LoadResult.StartDelay"/> shows how late they actually went out.
/// </para>
/// </remarks>
internal static class LoadRunner
{
    /// <summary>
    /// Prepares <paramref name="target"/>, runs the warm-up and the measured part, and returns the measurements.
    /// <paramref name="progress"/> gets a snapshot about once a second, on a thread of the runner's. The caller keeps
    /// ownership of <paramref name="target"/> (it is not disposed).
    /// </summary>
    /// <returns>
    /// The measured part. When <paramref name="cancellationToken"/> is cancelled during the measured part after at least
    /// one request was counted, the requests in flight are cancelled (and not counted) and the result covers the time
    /// measured so far (a shorter <see cref="LoadResult.Elapsed"/> and timeline).
    /// </returns>
    /// <exception cref="OperationCanceledException">Cancelled during preparation or the warm-up, or before anything was measured.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> are not runnable (see <see cref="Validate"/>).</exception>
    public static async Task<LoadResult> RunAsync(ILoadTarget target, LoadOptions options, IProgress<LoadSnapshot>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        var problems = Validate(options);
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }

        await target.PrepareAsync(cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        using var run = new LoadRun(target, options, progress, cancellationToken);
        return await run.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every reason <paramref name="options"/> cannot be run, each saying what to change; empty when runnable.</summary>
    public static IReadOnlyList<string> Validate(LoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (options.Concurrency < 1)
        {
            problems.Add($"concurrency is {options.Concurrency}: use at least 1 (closed loop: workers; open loop: most requests in flight)");
        }

        if (options.Mode == LoadMode.Open && !(options.Rate > 0 && double.IsFinite(options.Rate)))
        {
            problems.Add($"rate is {options.Rate}: an open loop needs a positive arrival rate (requests per second)");
        }

        if (options.Duration <= TimeSpan.Zero)
        {
            problems.Add($"duration is {options.Duration}: the measured part must last longer than zero");
        }

        if (options.WarmUp < TimeSpan.Zero)
        {
            problems.Add($"warm-up is {options.WarmUp}: use zero or more");
        }

        return problems;
    }
}
