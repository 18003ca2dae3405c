namespace Perms.Grains.Interfaces.Admin;

/// <summary>
/// What an operator may do to one silo's grains and ask about its policy (the admin API, perms.admin.v1). Implemented
/// by the silo over its grain catalogs; absent in a gateway process, which has no grains. Every operation acts on this
/// silo only. Thread-safe; nothing here waits for I/O.
/// </summary>
public interface ISiloAdministration
{
    /// <summary>The activations per grain type (user, then organization), with up to <paramref name="sampleSize"/> keys each.</summary>
    /// <param name="sampleSize">How many keys to return per grain type (0 for none).</param>
    IReadOnlyList<ActivationSummary> ListActivations(int sampleSize);

    /// <summary>Deactivates the user's grain (a load in flight is discarded); false when there was none.</summary>
    ValueTask<bool> DeactivateUserAsync(string userId);

    /// <summary>
    /// Deactivates the organization's grain and every user grain holding a membership in it, and the user loads in
    /// flight (which may have read such a membership), as the organization.deleted event does.
    /// </summary>
    ValueTask<OrganizationDeactivation> DeactivateOrganizationAsync(string organizationId);

    /// <summary>Deactivates every grain.</summary>
    ValueTask<FlushResult> FlushAllAsync();

    /// <summary>The policy as loaded at start-up.</summary>
    LoadedPolicyInfo Policy { get; }
}
