namespace Perms.Grains.Interfaces.Admin;

/// <summary>The activations of one grain type on a silo.</summary>
/// <param name="GrainType"><c>user</c> or <c>organization</c>.</param>
/// <param name="Count">Activations, loads in flight included.</param>
/// <param name="EstimatedBytes">The catalog's estimate of the memory its grains hold.</param>
/// <param name="SampleKeys">Some of the keys, in no particular order.</param>
[GenerateSerializer]
[Immutable]
[Alias("perms.ActivationSummary")]
public sealed record ActivationSummary(string GrainType, long Count, long EstimatedBytes, IReadOnlyList<string> SampleKeys);
