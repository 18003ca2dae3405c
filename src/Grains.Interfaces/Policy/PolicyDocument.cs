using System.Collections.Immutable;

namespace Perms.Grains.Interfaces.Policy;

/// <summary>
/// What a Better Auth app declares in TypeScript for its organization and admin plugins, read from the policy file
/// (see docs/policy.md). Defaults are Better Auth's.
/// </summary>
/// <param name="Organization">The organization plugin's statements and roles.</param>
/// <param name="DynamicAccessControl">Whether <c>organizationRole</c> rows are read and merged into the roles.</param>
/// <param name="Admin">The admin plugin's statements and roles.</param>
/// <param name="AdminDefaultRole">The platform role of a user whose <c>role</c> is NULL or empty.</param>
/// <param name="AdminUserIds">Users that pass every platform check.</param>
/// <param name="BanMode">Whether bans deny checks.</param>
public sealed record PolicyDocument(
    AccessControlPolicy Organization,
    bool DynamicAccessControl,
    AccessControlPolicy Admin,
    string AdminDefaultRole,
    ImmutableArray<string> AdminUserIds,
    BanMode BanMode);
