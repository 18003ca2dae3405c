namespace Perms.Grains.Interfaces.Admin;

/// <summary>
/// What an operator may do to the cluster's grains and ask about the policy and the membership (the admin API,
/// perms.admin.v1). Implemented by the silo over Orleans: every operation acts on the whole cluster, whichever silo
/// receives it.
/// </summary>
public interface ISiloAdministration
{
    /// <summary>The activations per grain type (user, then organization) over every silo, with up to <paramref name="sampleSize"/> keys each.</summary>
    /// <param name="sampleSize">How many keys to return per grain type (0 for none).</param>
    ValueTask<IReadOnlyList<ActivationSummary>> ListActivationsAsync(int sampleSize);

    /// <summary>Drops the user's grain state (a load in flight is discarded) wherever it is; false when it held none.</summary>
    ValueTask<bool> DeactivateUserAsync(string userId);

    /// <summary>
    /// Drops, on every silo, the organization's roles and the state of every user grain holding a membership in it,
    /// and the user loads in flight (which may have read such a membership), as the organization.deleted event does.
    /// </summary>
    ValueTask<OrganizationDeactivation> DeactivateOrganizationAsync(string organizationId);

    /// <summary>Drops every grain's state on every silo.</summary>
    ValueTask<FlushResult> FlushAllAsync();

    /// <summary>The Orleans membership as this silo sees it.</summary>
    ClusterMembers GetCluster();

    /// <summary>The policy as loaded at start-up.</summary>
    LoadedPolicyInfo Policy { get; }
}
