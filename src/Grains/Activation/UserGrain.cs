using Perms.Grains.State;

namespace Perms.Grains.Activation;

/// <summary>UserGrain(userId): one user's row and memberships, compiled; placed on the silo that owns the user id.</summary>
/// <param name="state">The compiled state.</param>
/// <param name="loadStartedAt">When its load began (runtime timestamp).</param>
public sealed class UserGrain(CompiledUserState state, long loadStartedAt) : IGrain
{
    /// <summary>The compiled state.</summary>
    public CompiledUserState State { get; } = state;

    /// <inheritdoc />
    public long LoadStartedAt { get; } = loadStartedAt;

    /// <inheritdoc />
    public int EstimatedBytes { get; } = 32 + state.EstimatedBytes;
}
