using System.Collections.Frozen;
using Perms.Grains.Interfaces.Policy;

namespace Perms.Grains.Permissions;

/// <summary>A validated policy compiled for checks; immutable and shared by every grain.</summary>
public sealed class CompiledPolicy
{
    /// <summary>Compiles a validated policy document.</summary>
    public CompiledPolicy(PolicyDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        Document = document;
        OrganizationRoles = new RoleSet(document.Organization.Statements, document.Organization.Roles);
        AdminRoles = new RoleSet(document.Admin.Statements, document.Admin.Roles);
        AdminUserIds = document.AdminUserIds.ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>The document this was compiled from.</summary>
    public PolicyDocument Document { get; }

    /// <summary>The organization plugin's static roles.</summary>
    public RoleSet OrganizationRoles { get; }

    /// <summary>The admin plugin's roles.</summary>
    public RoleSet AdminRoles { get; }

    /// <summary>Users that pass every platform check.</summary>
    public FrozenSet<string> AdminUserIds { get; }

    /// <summary>Whether bans deny checks.</summary>
    public BanMode BanMode => Document.BanMode;

    /// <summary>Whether <c>organizationRole</c> rows count.</summary>
    public bool DynamicAccessControl => Document.DynamicAccessControl;

    /// <summary>
    /// The roles in force in one organization: the static roles, extended by its dynamic roles when dynamic access
    /// control is on (otherwise the rows are ignored, as Better Auth ignores them).
    /// </summary>
    /// <exception cref="DynamicRoleException">A row is malformed; every check in the organization must fail.</exception>
    public RoleSet RolesForOrganization(string organizationId, IEnumerable<DynamicRoleRow> rows) =>
        DynamicAccessControl ? OrganizationRoles.WithDynamicRoles(organizationId, rows) : OrganizationRoles;

    /// <summary>A user's platform roles, parsed once when the user row is loaded.</summary>
    public RoleNames PlatformRolesOf(UserRecord user)
    {
        ArgumentNullException.ThrowIfNull(user);

        // Few distinct role strings exist ("user", "admin", "user,admin"): share one parsed list per string.
        var raw = user.Role ?? "";
        if (_platformRoles.TryGetValue(raw, out var shared))
        {
            return shared;
        }

        var parsed = RoleNames.ParsePlatform(user.Role, Document.AdminDefaultRole);
        return _platformRoles.Count < 4096 ? _platformRoles.GetOrAdd(raw, parsed) : parsed;
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, RoleNames> _platformRoles = new(StringComparer.Ordinal);
}
