namespace Perms.Benchmarks;

/// <summary>A grain that does nothing: the cost of an Orleans call itself, the baseline of the check benchmarks.</summary>
[Alias("perms.bench.IEmptyGrain")]
public interface IEmptyGrain : IGrainWithStringKey
{
    /// <summary>Returns at once.</summary>
    [Alias("Ping")]
    ValueTask<int> PingAsync();
}
