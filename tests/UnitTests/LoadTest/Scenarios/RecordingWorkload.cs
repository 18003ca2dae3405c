using System.Collections.Concurrent;
using Perms.LoadTest.Truth;

namespace Perms.UnitTests.LoadTest.Scenarios;

/// <summary>A workload that remembers every sequence number asked for and answers with one fixed case.</summary>
internal sealed class RecordingWorkload : ICheckWorkload
{
    private readonly ConcurrentQueue<long> _sequences = new();

    public IReadOnlyCollection<long> Sequences => _sequences;

    public CheckCase Get(long sequence)
    {
        _sequences.Enqueue(sequence);
        return new CheckCase(0, 0, "member", "create", false);
    }

    public bool IsAcceptable(CheckCase check, bool allowed) => allowed == check.Expected;
}
