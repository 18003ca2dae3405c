using Perms.Grains.Interfaces.State;

namespace Perms.Grains.Data;

/// <summary>Reads Better Auth's tables. Read-only: nothing here ever writes them.</summary>
public interface IBetterAuthReader
{
    /// <summary>Reads a user row, the user's memberships and team memberships in one snapshot.</summary>
    /// <exception cref="BetterAuthReadException">The database could not be read; never turned into a decision.</exception>
    Task<UserSnapshot> ReadUserAsync(string userId, CancellationToken cancellationToken);

    /// <summary>Reads an organization row and, when <paramref name="includeDynamicRoles"/>, its dynamic roles.</summary>
    /// <exception cref="BetterAuthReadException">The database could not be read; never turned into a decision.</exception>
    Task<OrganizationSnapshot> ReadOrganizationAsync(string organizationId, bool includeDynamicRoles, CancellationToken cancellationToken);
}
