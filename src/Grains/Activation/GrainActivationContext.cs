namespace Perms.Grains.Activation;

/// <summary>What an activation is told: which grain, and when its load began.</summary>
/// <param name="Key">The grain key (a user id or an organization id).</param>
/// <param name="LoadStartedAt">The runtime timestamp taken before the load began.</param>
public readonly record struct GrainActivationContext(string Key, long LoadStartedAt);
