using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
using Perms.Api.V1;
using Perms.Grains.Interfaces.Checks;
using Perms.Grains.Interfaces.Permissions;

namespace Perms.Gateway.Api;

/// <summary>Maps between the public protobuf messages and the grains' contracts.</summary>
internal static class ApiMapper
{
    public static PermissionRequest ToRequest(MapField<string, Actions> permissions) =>
        PermissionRequest.Create(permissions.Select(p => new KeyValuePair<string, IEnumerable<string>>(p.Key, p.Value?.Actions_ ?? [])));

    public static CheckPermissionResponse ToResponse(CheckResult result, bool explain)
    {
        var response = new CheckPermissionResponse
        {
            Allowed = result.Decision.Allowed,
            Reason = ToReason(result.Decision.Reason),
            GrantedByRole = result.Decision.GrantedByRole ?? "",
            StateAsOf = Timestamp.FromDateTimeOffset(result.StateAsOf),
        };
        if (explain)
        {
            response.MemberRoles.AddRange(result.Roles);
        }

        return response;
    }

    public static GetMembershipsResponse ToResponse(UserMemberships memberships)
    {
        var snapshot = memberships.Snapshot;
        var response = new GetMembershipsResponse
        {
            UserExists = snapshot.User is not null,
            Banned = snapshot.User?.Banned ?? false,
            StateAsOf = Timestamp.FromDateTimeOffset(snapshot.ReadAt),
        };
        if (snapshot.User?.BanExpires is { } expires)
        {
            response.BanExpires = Timestamp.FromDateTimeOffset(expires);
        }

        response.PlatformRoles.AddRange(memberships.PlatformRoles);
        foreach (var membership in snapshot.Memberships)
        {
            var message = new Membership { OrganizationId = membership.OrganizationId };
            message.Roles.AddRange(membership.RoleColumns.Where(r => !string.IsNullOrEmpty(r)).SelectMany(r => r!.Split(',')));
            message.TeamIds.AddRange(membership.TeamIds);
            response.Memberships.Add(message);
        }

        return response;
    }

    public static GetEffectivePermissionsResponse ToResponse(EffectivePermissions effective)
    {
        var response = new GetEffectivePermissionsResponse
        {
            Reason = ToReason(effective.Reason),
            StateAsOf = Timestamp.FromDateTimeOffset(effective.StateAsOf),
        };
        response.MemberRoles.AddRange(effective.MemberRoles);
        foreach (var permission in effective.Permissions)
        {
            var message = new Perms.Api.V1.EffectivePermission { Resource = permission.Resource, Action = permission.Action };
            message.GrantedByRoles.AddRange(permission.GrantedByRoles);
            response.Permissions.Add(message);
        }

        return response;
    }

    public static Reason ToReason(DecisionReason reason) => reason switch
    {
        DecisionReason.Allowed => Reason.Allowed,
        DecisionReason.AllowedAsAdminUserId => Reason.AllowedAsAdminUserId,
        DecisionReason.NotAMember => Reason.NotAMember,
        DecisionReason.Banned => Reason.Banned,
        DecisionReason.EmptyRequest => Reason.EmptyRequest,
        DecisionReason.UnknownPermission => Reason.UnknownPermission,
        DecisionReason.NoRoleGrants => Reason.NoRoleGrants,
        DecisionReason.UserNotFound => Reason.UserNotFound,
        _ => Reason.Unspecified,
    };
}
