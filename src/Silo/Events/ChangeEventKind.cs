namespace Perms.Silo.Events;

/// <summary>The change events of the contract (docs/events.md), one per subject.</summary>
public enum ChangeEventKind
{
    /// <summary><c>member.role.changed</c>.</summary>
    MemberRoleChanged,

    /// <summary><c>member.removed</c>.</summary>
    MemberRemoved,

    /// <summary><c>member.added</c>.</summary>
    MemberAdded,

    /// <summary><c>organization.role.changed</c>: a dynamic role created, updated or deleted.</summary>
    OrganizationRoleChanged,

    /// <summary><c>organization.deleted</c>.</summary>
    OrganizationDeleted,

    /// <summary><c>user.updated</c>: role, ban, ban expiry.</summary>
    UserUpdated,

    /// <summary><c>user.deleted</c>.</summary>
    UserDeleted,

    /// <summary><c>team.member.changed</c>.</summary>
    TeamMemberChanged,

    /// <summary><c>perms.cache.flush</c>: everything.</summary>
    CacheFlush,
}
