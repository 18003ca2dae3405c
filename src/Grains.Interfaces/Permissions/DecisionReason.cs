namespace Perms.Grains.Interfaces.Permissions;

/// <summary>Why a permission check came out the way it did.</summary>
[GenerateSerializer]
[Alias("perms.DecisionReason")]
public enum DecisionReason
{
    /// <summary>Never produced by the evaluator; the zero value of the enum.</summary>
    Unspecified = 0,

    /// <summary>One single role of the user grants every requested action.</summary>
    Allowed = 1,

    /// <summary>The user is listed in the admin plugin's <c>adminUserIds</c>, which pass every platform check.</summary>
    AllowedAsAdminUserId = 2,

    /// <summary>The user is not a member of the organization (or the organization does not exist).</summary>
    NotAMember = 3,

    /// <summary>There is no user row with that id (never created, or deleted).</summary>
    UserNotFound = 8,

    /// <summary>The user is banned (<c>banned = true</c> and no <c>banExpires</c>, or one in the future) and the ban mode is <c>deny</c>.</summary>
    Banned = 4,

    /// <summary>The request named no resource, or a resource with no actions; Better Auth answers false.</summary>
    EmptyRequest = 5,

    /// <summary>A requested resource or action is not declared anywhere in the policy or the organization's dynamic roles.</summary>
    UnknownPermission = 6,

    /// <summary>No single role of the user grants all of the request (grants are never combined across roles).</summary>
    NoRoleGrants = 7,
}
