using System.Collections.Frozen;

namespace Perms.Silo.Events;

/// <summary>The contract's subjects (without the configured prefix) and the wildcards Perms subscribes to.</summary>
public static class ChangeEventSubjects
{
    /// <summary>Subject → kind.</summary>
    public static FrozenDictionary<string, ChangeEventKind> Kinds { get; } = new Dictionary<string, ChangeEventKind>(StringComparer.Ordinal)
    {
        ["member.role.changed"] = ChangeEventKind.MemberRoleChanged,
        ["member.removed"] = ChangeEventKind.MemberRemoved,
        ["member.added"] = ChangeEventKind.MemberAdded,
        ["organization.role.changed"] = ChangeEventKind.OrganizationRoleChanged,
        ["organization.deleted"] = ChangeEventKind.OrganizationDeleted,
        ["user.updated"] = ChangeEventKind.UserUpdated,
        ["user.deleted"] = ChangeEventKind.UserDeleted,
        ["team.member.changed"] = ChangeEventKind.TeamMemberChanged,
        ["perms.cache.flush"] = ChangeEventKind.CacheFlush,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>
    /// What every silo subscribes to (after the prefix): a wildcard per first token, so that a subject the contract
    /// does not know (a newer publisher, a typo) is seen, logged and counted instead of silently missed.
    /// </summary>
    public static IReadOnlyList<string> Wildcards { get; } = ["member.>", "organization.>", "user.>", "team.>", "perms.>"];

    /// <summary>The contract's subject of <paramref name="kind"/> (also its metric tag: never caller-chosen text).</summary>
    public static string NameOf(ChangeEventKind kind) => Names[(int)kind];

    private static readonly string[] Names = [.. Enum.GetValues<ChangeEventKind>().Select(k => Kinds.First(p => p.Value == k).Key)];
}
