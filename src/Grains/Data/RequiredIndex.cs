namespace Perms.Grains.Data;

/// <summary>An index Perms needs, in logical names: its leading columns, in order.</summary>
/// <param name="Table">The logical table.</param>
/// <param name="Columns">The logical columns, in order; an index whose leading columns are these serves.</param>
/// <param name="Why">Which lookup needs it.</param>
public sealed record RequiredIndex(string Table, string[] Columns, string Why)
{
    /// <summary>
    /// The seed ADR's three (users(role); members(user_id, organization_id); members(organization_id, role)) and the
    /// two more Perms' own loads use (team members by user, dynamic roles by organization).
    /// </summary>
    public static IReadOnlyList<RequiredIndex> All { get; } =
    [
        new("user", ["role"], "seed ADR: platform role queries"),
        new("member", ["userId", "organizationId"], "seed ADR; loads a user's memberships"),
        new("member", ["organizationId", "role"], "seed ADR: an organization's members by role"),
        new("teamMember", ["userId"], "loads a user's teams"),
        new("organizationRole", ["organizationId"], "loads an organization's dynamic roles"),
    ];
}
