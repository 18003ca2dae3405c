using System.Threading.Tasks.Sources;

namespace Perms.LoadTest.Running;

/// <summary>
/// One request slot of an open loop: the scheduler hands it a request (<see cref="Start"/>) and the slot's task, which
/// awaits <see cref="NextAsync"/>, sends it on a thread-pool thread. The slot is its own awaitable and its own
/// thread-pool work item, so handing over a request allocates nothing.
/// </summary>
internal sealed class OpenLoopWorker : IValueTaskSource<bool>, IThreadPoolWorkItem
{
    // Continuations run inline in Execute, which is already on the thread pool: the scheduler thread never runs a target's code.
    private ManualResetValueTaskSourceCore<bool> _core;
    private bool _signal;

    /// <summary>The sequence number of the request handed over.</summary>
    public long Sequence { get; private set; }

    /// <summary>When the request was meant to start (<see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    public long IntendedTimestamp { get; private set; }

    /// <summary>Where its outcome is recorded (warm-up or measured part).</summary>
    public LoadRecorder? Recorder { get; private set; }

    /// <summary>Completes with true when a request is handed over, false when the slot must stop. Await it once.</summary>
    public ValueTask<bool> NextAsync() => new(this, _core.Version);

    /// <summary>Hands over a request. Only the scheduler calls it, and only while the slot is idle.</summary>
    public void Start(long sequence, long intendedTimestamp, LoadRecorder recorder)
    {
        Sequence = sequence;
        IntendedTimestamp = intendedTimestamp;
        Recorder = recorder;
        _signal = true;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <summary>Tells an idle slot to stop.</summary>
    public void Stop()
    {
        _signal = false;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <inheritdoc/>
    public void Execute() => _core.SetResult(_signal);

    /// <inheritdoc/>
    public bool GetResult(short token)
    {
        var result = _core.GetResult(token);
        _core.Reset();
        return result;
    }

    /// <inheritdoc/>
    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    /// <inheritdoc/>
    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
