using Perms.Grains.Caching;
using Perms.Grains.Interfaces.Grains;
using Perms.Grains.State;

namespace Perms.Silo.Grains;

/// <summary>
/// <see cref="IGrainInvalidator"/> over this silo's <see cref="LocalActivations{TState}"/> and Orleans'
/// <see cref="IGrainFactory"/>: the index says which activations are here (and what they hold), a grain call drops the
/// state inside the activation's turn, so an invalidation racing a load always wins.
/// </summary>
/// <param name="grains">The grain factory.</param>
/// <param name="users">This silo's UserGrain activations.</param>
/// <param name="organizations">This silo's OrganizationGrain activations.</param>
/// <param name="time">The clock of the staleness epoch.</param>
public sealed class GrainInvalidator(
    IGrainFactory grains,
    LocalActivations<CompiledUserState> users,
    LocalActivations<CompiledOrganizationState> organizations,
    TimeProvider time) : IGrainInvalidator
{
    /// <inheritdoc />
    public async ValueTask<int> InvalidateUserAsync(string userId, bool deactivate = false)
    {
        ArgumentNullException.ThrowIfNull(userId);
        if (!users.Contains(userId))
        {
            return 0;
        }

        var grain = grains.GetGrain<IUserGrain>(userId);
        return await (deactivate ? grain.DeactivateAsync() : grain.InvalidateAsync()).ConfigureAwait(false) ? 1 : 0;
    }

    /// <inheritdoc />
    public async ValueTask<(int Organizations, int Members)> InvalidateOrganizationAsync(string organizationId, bool withMembers)
    {
        ArgumentNullException.ThrowIfNull(organizationId);
        var organization = organizations.Contains(organizationId)
            && await grains.GetGrain<IOrganizationGrain>(organizationId).InvalidateAsync().ConfigureAwait(false);
        if (!withMembers)
        {
            return (organization ? 1 : 0, 0);
        }

        // A load in flight (null) may have read a membership in the organization before the change: it goes too.
        var members = await InvalidateUsersAsync(users.KeysWhere((_, state) => state is null || state.RolesIn(organizationId) is not null)).ConfigureAwait(false);
        return (organization ? 1 : 0, members);
    }

    /// <inheritdoc />
    public ValueTask<int> InvalidateUsersWhereAsync(Func<string, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return InvalidateUsersAsync(users.KeysWhere((key, _) => predicate(key)));
    }

    /// <inheritdoc />
    public async ValueTask<(int Users, int Organizations)> InvalidateAllAsync()
    {
        var userCount = await InvalidateUsersAsync(users.KeysWhere(static (_, _) => true)).ConfigureAwait(false);
        var organizationCount = 0;
        foreach (var key in organizations.KeysWhere(static (_, _) => true))
        {
            organizationCount += await grains.GetGrain<IOrganizationGrain>(key).InvalidateAsync().ConfigureAwait(false) ? 1 : 0;
        }

        return (userCount, organizationCount);
    }

    /// <inheritdoc />
    public void MarkAllStale()
    {
        users.MarkAllStale(time);
        organizations.MarkAllStale(time);
    }

    private async ValueTask<int> InvalidateUsersAsync(IReadOnlyList<string> keys)
    {
        // In parallel: a flush can touch every activation of the silo, and each call is a local message.
        var calls = new Task<bool>[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            calls[i] = grains.GetGrain<IUserGrain>(keys[i]).InvalidateAsync().AsTask();
        }

        var results = await Task.WhenAll(calls).ConfigureAwait(false);
        return results.Count(static r => r);
    }
}
