using System.Diagnostics;

namespace Perms.LoadTest.Running;

/// <summary>
/// One <see cref="LoadRunner.RunAsync"/> call after the target is prepared: the clock of the phase (warm-up, then the
/// measured part), the workers of a closed loop or the scheduler and request slots of an open loop, the progress
/// reports and the drain at the end.
/// </summary>
internal sealed class LoadRun : IDisposable
{
    /// <summary>Error label of an open-loop arrival that found <see cref="LoadOptions.Concurrency"/> requests in flight.</summary>
    public const string OverloadDetail = "overload";

    /// <summary>Error label of a request still unanswered <see cref="DrainTimeout"/> after the end of the phase.</summary>
    public const string UnfinishedDetail = "unfinished at end";

    /// <summary>How long the requests in flight at the end of a phase may take to answer before they are cancelled.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long cancelled requests may take to return before their slots are abandoned.</summary>
    private static readonly TimeSpan AbandonTimeout = TimeSpan.FromSeconds(1);

    // Below this the scheduler stops sleeping whole milliseconds (Thread.Sleep(1) lasts 1.05–1.2 ms on Linux) and
    // sleeps with nanosleep where it can, else yields or spins.
    private static readonly long SpinThreshold = Stopwatch.Frequency * 3 / 2000;

    // Below this (20 µs) even nanosleep overshoots more than it waits: yield or spin instead.
    private static readonly long NanoSleepThreshold = Stopwatch.Frequency / 50_000;

    private readonly ILoadTarget _target;
    private readonly string _targetName;
    private readonly LoadOptions _options;
    private readonly IProgress<LoadSnapshot>? _progress;
    private readonly CancellationTokenSource _requests;
    private readonly long _warmUpStart;
    private readonly long _measuredStart;
    private readonly long _measuredEnd;
    private readonly LoadRecorder _warmUp;
    private readonly LoadRecorder _measured;
    private readonly Lock _idleLock = new();
    private readonly long[] _scratch = new long[new LatencyHistogram().BucketCount];
    private OpenLoopWorker[] _idle = [];
    private int _idleCount;
    private long _sequence;
    private volatile bool _stopping;
    private volatile bool _abandoning;
    private bool _stragglers;
    private LoadRecorder? _reportedRecorder;
    private long _reportedAnswered;
    private long _reportedTimestamp;

    /// <summary>Starts the clock: the warm-up begins now.</summary>
    public LoadRun(ILoadTarget target, LoadOptions options, IProgress<LoadSnapshot>? progress, CancellationToken cancellationToken)
    {
        _target = target;
        _targetName = target.Name;
        _options = options;
        _progress = progress;
        _requests = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _warmUpStart = Stopwatch.GetTimestamp();
        _measuredStart = _warmUpStart + Ticks(options.WarmUp);
        _measuredEnd = _measuredStart + Ticks(options.Duration);
        _warmUp = new LoadRecorder(_warmUpStart, 0);
        _measured = new LoadRecorder(_measuredStart, Math.Max(1, (int)Math.Ceiling(options.Duration.TotalSeconds - 1e-9)));
    }

    /// <summary>Runs the phase; see <see cref="LoadRunner.RunAsync"/> for what cancellation does.</summary>
    public async Task<LoadResult> RunAsync(CancellationToken cancellationToken)
    {
        var workers = _options.Mode == LoadMode.Open ? StartOpenLoop() : StartClosedLoop();
        long? cancelledAt = null;
        var finished = false;
        try
        {
            await MonitorAsync(cancellationToken).ConfigureAwait(false);
            finished = true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cancelledAt = Stopwatch.GetTimestamp();
        }
        finally
        {
            // At the normal end the workers and the scheduler stop by the clock: a scheduler running a little late
            // still issues every arrival due before the end.
            if (!finished)
            {
                StopIssuing();
            }

            await DrainAsync(workers).ConfigureAwait(false);
            _warmUp.Close();
            _measured.Close();
        }

        if (cancelledAt is { } at)
        {
            if (at <= _measuredStart || _measured.Total == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            return _measured.ToResult(_targetName, _options, Stopwatch.GetElapsedTime(_measuredStart, Math.Min(at, _measuredEnd)));
        }

        Report(Stopwatch.GetTimestamp(), warmingUp: false);
        return _measured.ToResult(_targetName, _options, _options.Duration);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        // Requests that ignored cancellation may still hold the token; leave the source to the finalizer then.
        if (!_stragglers)
        {
            _requests.Dispose();
        }
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private Task StartClosedLoop()
    {
        var workers = new Task[_options.Concurrency];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = Task.Run(ClosedWorkerAsync);
        }

        return Task.WhenAll(workers);
    }

    private async Task ClosedWorkerAsync()
    {
        var token = _requests.Token;
        while (!_stopping)
        {
            var start = Stopwatch.GetTimestamp();
            if (start >= _measuredEnd)
            {
                return;
            }

            var recorder = start >= _measuredStart ? _measured : _warmUp;
            RequestResult result;
            try
            {
                result = await _target.SendAsync(Interlocked.Increment(ref _sequence) - 1, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                Cancelled(recorder);
                return;
            }
            catch (Exception e)
            {
                // The contract says targets return errors; one that throws still gets counted rather than ending the run.
                result = new RequestResult(RequestOutcome.Error, e.GetType().Name);
            }

            recorder.Record(result, start, Stopwatch.GetTimestamp());
        }
    }

    private Task StartOpenLoop()
    {
        _idle = new OpenLoopWorker[_options.Concurrency];
        var workers = new Task[_options.Concurrency + 1];
        for (var i = 0; i < _idle.Length; i++)
        {
            _idle[i] = new OpenLoopWorker();
            workers[i] = OpenWorkerAsync(_idle[i]);
        }

        _idleCount = _idle.Length;
        var scheduler = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Schedule();
                scheduler.SetResult();
            }
            catch (Exception e)
            {
                scheduler.SetException(e);
            }
            finally
            {
                StopIssuing();
            }
        })
        {
            IsBackground = true,
            Name = "perms-loadtest scheduler",
        };
        thread.Start();
        workers[^1] = scheduler.Task;
        return Task.WhenAll(workers);
    }

    /// <summary>
    /// Issues request k at t0 + k/rate: every request whose time has come goes out at once, then the thread sleeps or
    /// spins until the next. An arrival that finds no idle slot is an <see cref="OverloadDetail"/> error.
    /// </summary>
    private void Schedule()
    {
        var interval = Stopwatch.Frequency / _options.Rate;
        for (long k = 0; ; k++)
        {
            var intended = _warmUpStart + (long)(k * interval);
            if (intended >= _measuredEnd || !WaitUntil(intended))
            {
                return;
            }

            var recorder = intended >= _measuredStart ? _measured : _warmUp;
            var worker = TakeIdle();
            if (worker is null)
            {
                recorder.RecordError(OverloadDetail, intended);
            }
            else
            {
                worker.Start(Interlocked.Increment(ref _sequence) - 1, intended, recorder);
            }
        }
    }

    /// <summary>Waits for <paramref name="timestamp"/>; false when the phase is stopping.</summary>
    private bool WaitUntil(long timestamp)
    {
        while (!_stopping)
        {
            var remaining = timestamp - Stopwatch.GetTimestamp();
            if (remaining <= 0)
            {
                return true;
            }

            if (remaining > SpinThreshold)
            {
                Thread.Sleep(1);
            }
            else if (remaining > NanoSleepThreshold && PreciseSleep.Sleep(remaining))
            {
                // Slept (Linux): woken within the timer slack; a late wake-up is measured from the intended time
                // like any other delay, and the requests due meanwhile go out together.
            }
            else if (!Thread.Yield())
            {
                Thread.SpinWait(20);
            }
        }

        return false;
    }

    private async Task OpenWorkerAsync(OpenLoopWorker worker)
    {
        var token = _requests.Token;
        while (await worker.NextAsync().ConfigureAwait(false))
        {
            var recorder = worker.Recorder!;
            recorder.RecordStartDelay(worker.IntendedTimestamp, Stopwatch.GetTimestamp());
            RequestResult result;
            try
            {
                result = await _target.SendAsync(worker.Sequence, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                Cancelled(recorder);
                return;
            }
            catch (Exception e)
            {
                result = new RequestResult(RequestOutcome.Error, e.GetType().Name);
            }

            recorder.Record(result, worker.IntendedTimestamp, Stopwatch.GetTimestamp());
            if (!ReturnIdle(worker))
            {
                return;
            }
        }
    }

    private OpenLoopWorker? TakeIdle()
    {
        lock (_idleLock)
        {
            return _idleCount == 0 ? null : _idle[--_idleCount];
        }
    }

    /// <summary>Puts a slot back; false (the slot ends) once the phase stops issuing.</summary>
    private bool ReturnIdle(OpenLoopWorker worker)
    {
        lock (_idleLock)
        {
            if (_stopping)
            {
                return false;
            }

            _idle[_idleCount++] = worker;
            return true;
        }
    }

    /// <summary>No request starts after this; idle open-loop slots end now, busy ones after their request.</summary>
    private void StopIssuing()
    {
        lock (_idleLock)
        {
            _stopping = true;
            while (_idleCount > 0)
            {
                _idle[--_idleCount].Stop();
            }
        }
    }

    /// <summary>A request was cancelled: by the caller (not counted) or because it outlived the drain (an error).</summary>
    private void Cancelled(LoadRecorder recorder)
    {
        if (_abandoning)
        {
            recorder.RecordError(UnfinishedDetail, Stopwatch.GetTimestamp());
        }
    }

    private async Task DrainAsync(Task workers)
    {
        try
        {
            await workers.WaitAsync(DrainTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _abandoning = true;
            await _requests.CancelAsync().ConfigureAwait(false);
            try
            {
                await workers.WaitAsync(AbandonTimeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // A target that ignores cancellation: its late answers are dropped (the recorders are closed).
                _stragglers = true;
            }
        }
    }

    /// <summary>
    /// Reports every second of each part, counted from the part's start, plus once at the end of the warm-up; returns
    /// at the end of the measured part.
    /// </summary>
    private async Task MonitorAsync(CancellationToken cancellationToken)
    {
        var next = NextReport(_warmUpStart);
        while (true)
        {
            var now = Stopwatch.GetTimestamp();
            var until = Math.Min(next.At, _measuredEnd);
            if (until > now)
            {
                await Task.Delay(Stopwatch.GetElapsedTime(now, until), cancellationToken).ConfigureAwait(false);
                now = Stopwatch.GetTimestamp();
            }

            if (now >= _measuredEnd)
            {
                return;
            }

            if (now >= next.At)
            {
                Report(now, next.WarmingUp);

                // A starved monitor skips the reports it missed rather than sending a burst.
                do
                {
                    next = NextReport(next.At);
                }
                while (next.At + (Stopwatch.Frequency / 2) <= now);
            }
        }
    }

    /// <summary>The report after the one due at <paramref name="previous"/>.</summary>
    private (long At, bool WarmingUp) NextReport(long previous)
    {
        if (previous < _measuredStart)
        {
            var next = previous + Stopwatch.Frequency;
            return next < _measuredStart ? (next, true) : (_measuredStart, true);
        }

        return (previous + Stopwatch.Frequency, false);
    }

    /// <summary>Reports progress of the warm-up or of the measured part.</summary>
    private void Report(long now, bool warmingUp)
    {
        if (_progress is null)
        {
            return;
        }

        var recorder = warmingUp ? _warmUp : _measured;
        var start = warmingUp ? _warmUpStart : _measuredStart;
        var end = warmingUp ? _measuredStart : _measuredEnd;
        if (!ReferenceEquals(recorder, _reportedRecorder))
        {
            _reportedRecorder = recorder;
            _reportedAnswered = 0;
            _reportedTimestamp = start;
        }

        var answered = recorder.Correct + recorder.Wrong;
        var interval = Stopwatch.GetElapsedTime(_reportedTimestamp, now).TotalSeconds;
        var rate = interval > 0 ? (answered - _reportedAnswered) / interval : 0;
        _reportedAnswered = answered;
        _reportedTimestamp = now;

        var total = recorder.Latency.CopyCounts(_scratch);
        var elapsed = Stopwatch.GetElapsedTime(start, Math.Min(now, end));
        var remaining = now < end ? Stopwatch.GetElapsedTime(now, end) : TimeSpan.Zero;
        _progress.Report(new LoadSnapshot(
            _targetName,
            warmingUp,
            elapsed,
            remaining,
            answered,
            rate,
            recorder.Errors,
            recorder.Wrong,
            recorder.Latency.PercentileMicros(50, _scratch, total),
            recorder.Latency.PercentileMicros(99, _scratch, total)));
    }
}
