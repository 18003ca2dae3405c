namespace Perms.Silo.Grains;

/// <summary>
/// Drops the state of this silo's grains: what change events, operators and the cluster rebalancer ask for. Each call
/// reaches only the activations this silo holds, through Orleans grain calls, and never activates or loads a grain.
/// </summary>
public interface IGrainInvalidator
{
    /// <summary>Drops the user's state if this silo holds the user's grain.</summary>
    /// <param name="userId">The user id.</param>
    /// <param name="deactivate">Also deactivate the grain once idle (an operator's action).</param>
    /// <returns>How many grains dropped state or a load (0 or 1).</returns>
    ValueTask<int> InvalidateUserAsync(string userId, bool deactivate = false);

    /// <summary>Drops the organization's roles on this silo and, with <paramref name="withMembers"/>, every user grain holding a membership in it (or loading).</summary>
    /// <returns>How many organization grains and how many user grains dropped state.</returns>
    ValueTask<(int Organizations, int Members)> InvalidateOrganizationAsync(string organizationId, bool withMembers);

    /// <summary>Drops the user grains whose key matches <paramref name="predicate"/> (the cluster rebalancer).</summary>
    /// <returns>How many dropped state.</returns>
    ValueTask<int> InvalidateUsersWhereAsync(Func<string, bool> predicate);

    /// <summary>Drops every grain's state on this silo.</summary>
    /// <returns>How many user and organization grains dropped state.</returns>
    ValueTask<(int Users, int Organizations)> InvalidateAllAsync();

    /// <summary>Everything loaded (or loading) on this silo until now is stale: events may have been lost.</summary>
    void MarkAllStale();
}
