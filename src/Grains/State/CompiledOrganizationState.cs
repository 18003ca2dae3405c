using Perms.Grains.Caching;
using Perms.Grains.Interfaces.State;
using Perms.Grains.Permissions;

namespace Perms.Grains.State;

/// <summary>
/// An organization's snapshot compiled for checks: its role set with dynamic roles merged, or the error that makes
/// every check in it fail. Immutable; what an OrganizationGrain holds.
/// </summary>
public sealed class CompiledOrganizationState : ILoadedState
{
    /// <summary>Compiles <paramref name="snapshot"/> under <paramref name="policy"/>; a malformed dynamic role is kept as <see cref="Error"/>.</summary>
    public CompiledOrganizationState(OrganizationSnapshot snapshot, CompiledPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(policy);
        Snapshot = snapshot;
        try
        {
            Roles = policy.RolesForOrganization(snapshot.OrganizationId, snapshot.DynamicRoles);
        }
        catch (DynamicRoleException e)
        {
            Error = e;
        }
    }

    /// <summary>What was read.</summary>
    public OrganizationSnapshot Snapshot { get; }

    /// <summary>The roles in force, or null when <see cref="Error"/> is set.</summary>
    public RoleSet? Roles { get; }

    /// <summary>Why every check in this organization fails, or null.</summary>
    public DynamicRoleException? Error { get; }

    /// <summary>The roles in force.</summary>
    /// <exception cref="DynamicRoleException">A dynamic role of the organization is malformed.</exception>
    public RoleSet RolesOrThrow() =>
        Roles ?? throw new DynamicRoleException(Error!.OrganizationId, Error.RowId, Error.Role, Error.Detail);

    /// <inheritdoc />
    public int EstimatedBytes => 64 + (Snapshot.DynamicRoles.Length * 256);
}
