using System.Collections.Concurrent;
using Perms.Grains.Activation;

namespace Perms.UnitTests.Runtime;

/// <summary>
/// An activator whose loads finish when the test says: each load waits on its own completion source, so races between
/// loads and deactivations happen in the order the test chooses.
/// </summary>
internal sealed class ControllableActivator : IGrainActivator<TestGrain>
{
    private readonly ConcurrentQueue<PendingLoad> _pending = new();
    private int _loads;

    /// <summary>When set, loads complete at once with a grain (or this exception) instead of waiting.</summary>
    public Func<GrainActivationContext, Exception?>? Immediate { get; set; }

    public int Loads => Volatile.Read(ref _loads);

    public Task<TestGrain> OnActivateAsync(GrainActivationContext context, CancellationToken cancellationToken)
    {
        var number = Interlocked.Increment(ref _loads);
        if (Immediate is { } immediate)
        {
            return immediate(context) is { } error ? Task.FromException<TestGrain>(error) : Task.FromResult(new TestGrain(context.Key, number, context.LoadStartedAt));
        }

        var pending = new PendingLoad(context, number, cancellationToken);
        _pending.Enqueue(pending);
        return pending.Completion.Task;
    }

    /// <summary>Waits until a load has started and returns it.</summary>
    public async Task<PendingLoad> NextLoadAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        PendingLoad? load;
        while (!_pending.TryDequeue(out load))
        {
            await Task.Delay(1, timeout.Token);
        }

        return load;
    }

    internal sealed class PendingLoad
    {
        public PendingLoad(GrainActivationContext context, int number, CancellationToken cancellationToken)
        {
            Context = context;
            Number = number;
            CancellationToken = cancellationToken;
        }

        public GrainActivationContext Context { get; }

        public int Number { get; }

        public CancellationToken CancellationToken { get; }

        public TaskCompletionSource<TestGrain> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Succeed(int estimatedBytes = 100) => Completion.SetResult(new TestGrain(Context.Key, Number, Context.LoadStartedAt, estimatedBytes));

        public void Fail(Exception error) => Completion.SetException(error);
    }
}
