using Perms.Grains.Interfaces.Data;

namespace Perms.Grains.Data;

/// <summary>
/// The SQL Perms runs, built once from the layout. Names are quoted identifiers from a validated layout; values are
/// always parameters. Ids are compared untyped and read back as text, so text and uuid id columns both work.
/// </summary>
internal sealed class BetterAuthQueries
{
    public BetterAuthQueries(TableLayout layout)
    {
        string T(string table) => layout.QualifiedTable(table);
        string C(string table, string column) => layout.QuotedColumn(table, column);

        // A LEFT JOIN from a one-row relation: always one row, carrying the snapshot's time even without a user.
        User = $"""
            SELECT now(), u.{C("user", "id")} IS NOT NULL, u.{C("user", "role")}, u.{C("user", "banned")}, u.{C("user", "banExpires")}, u.{C("user", "id")}::text
            FROM (SELECT 1) AS one LEFT JOIN {T("user")} AS u ON u.{C("user", "id")} = $1
            """;
        Memberships = $"""
            SELECT m.{C("member", "organizationId")}::text, m.{C("member", "role")}
            FROM {T("member")} AS m
            WHERE m.{C("member", "userId")} = $1
            ORDER BY m.{C("member", "organizationId")}, m.{C("member", "createdAt")}, m.{C("member", "id")}
            """;
        Teams = $"""
            SELECT t.{C("team", "organizationId")}::text, tm.{C("teamMember", "teamId")}::text
            FROM {T("teamMember")} AS tm JOIN {T("team")} AS t ON t.{C("team", "id")} = tm.{C("teamMember", "teamId")}
            WHERE tm.{C("teamMember", "userId")} = $1
            ORDER BY 1, 2
            """;
        Organization = $"""
            SELECT now(), o.{C("organization", "id")} IS NOT NULL
            FROM (SELECT 1) AS one LEFT JOIN {T("organization")} AS o ON o.{C("organization", "id")} = $1
            """;
        DynamicRoles = $"""
            SELECT r.{C("organizationRole", "id")}::text, r.{C("organizationRole", "role")}, r.{C("organizationRole", "permission")}
            FROM {T("organizationRole")} AS r
            WHERE r.{C("organizationRole", "organizationId")} = $1
            ORDER BY r.{C("organizationRole", "id")}
            """;
    }

    /// <summary>$1 = user id → (now, exists, role, banned, banExpires, the row's id as text).</summary>
    public string User { get; }

    /// <summary>$1 = user id → (organizationId, role) per member row.</summary>
    public string Memberships { get; }

    /// <summary>$1 = user id → (organizationId, teamId).</summary>
    public string Teams { get; }

    /// <summary>$1 = organization id → (now, exists).</summary>
    public string Organization { get; }

    /// <summary>$1 = organization id → (id, role, permission) per organizationRole row.</summary>
    public string DynamicRoles { get; }
}
