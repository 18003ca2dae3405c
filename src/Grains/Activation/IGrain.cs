namespace Perms.Grains.Activation;

/// <summary>
/// An activated grain: an immutable snapshot of the state it loaded, with the behaviour that reads it. The runtime
/// swaps whole grains atomically; a reader never sees a half-built one and takes no lock.
/// </summary>
public interface IGrain
{
    /// <summary>The runtime timestamp (<see cref="TimeProvider.GetTimestamp"/>) taken before the load began: the state is at least this fresh.</summary>
    long LoadStartedAt { get; }

    /// <summary>Approximate bytes the grain keeps alive, for the memory cap and the metrics.</summary>
    int EstimatedBytes { get; }
}
