using System.Collections.Concurrent;
using Perms.LoadTest.Running;

namespace Perms.UnitTests.LoadTest;

/// <summary>A load target whose answers a test scripts; it remembers every sequence number it was sent.</summary>
internal sealed class ScriptedLoadTarget(string name, Func<long, CancellationToken, ValueTask<RequestResult>> send) : ILoadTarget
{
    private readonly ConcurrentQueue<long> _sequences = new();
    private int _prepared;

    public string Name => name;

    public IReadOnlyCollection<long> Sequences => _sequences;

    public int Prepared => Volatile.Read(ref _prepared);

    public Task PrepareAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _prepared);
        return Task.CompletedTask;
    }

    public ValueTask<RequestResult> SendAsync(long sequence, CancellationToken cancellationToken)
    {
        if (Prepared == 0)
        {
            throw new InvalidOperationException("sent before being prepared");
        }

        _sequences.Enqueue(sequence);
        return send(sequence, cancellationToken);
    }

    public ValueTask DisposeAsync() => default;
}
