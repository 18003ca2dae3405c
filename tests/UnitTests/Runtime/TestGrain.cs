using Perms.Grains.Activation;

namespace Perms.UnitTests.Runtime;

/// <summary>A grain that records which load produced it.</summary>
internal sealed class TestGrain(string key, int load, long loadStartedAt, int estimatedBytes = 100) : IGrain
{
    public string Key { get; } = key;

    /// <summary>The number of the load (1-based, per activator) that produced this grain.</summary>
    public int Load { get; } = load;

    public long LoadStartedAt { get; } = loadStartedAt;

    public int EstimatedBytes { get; } = estimatedBytes;
}
