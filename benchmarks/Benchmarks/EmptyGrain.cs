using Orleans.Concurrency;

namespace Perms.Benchmarks;

/// <summary>The empty grain, reentrant like UserGrain so both are scheduled alike.</summary>
[Reentrant]
[GrainType("perms.bench.empty")]
public sealed class EmptyGrain : Grain, IEmptyGrain
{
    /// <inheritdoc />
    public ValueTask<int> PingAsync() => new(1);
}
