using System.Collections.Concurrent;
using Perms.LoadTest.Running;

namespace Perms.UnitTests.LoadTest;

/// <summary>Keeps every progress snapshot, synchronously (unlike <see cref="Progress{T}"/>, which posts them).</summary>
internal sealed class CapturedProgress : IProgress<LoadSnapshot>
{
    private readonly ConcurrentQueue<LoadSnapshot> _snapshots = new();

    public IReadOnlyList<LoadSnapshot> Snapshots => [.. _snapshots];

    public void Report(LoadSnapshot value) => _snapshots.Enqueue(value);
}
