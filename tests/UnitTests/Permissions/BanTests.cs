using Perms.Grains.Interfaces.Permissions;
using Perms.Grains.Permissions;
using static Perms.UnitTests.Permissions.Check;

namespace Perms.UnitTests.Permissions;

/// <summary>
/// Bans, in both modes. Better Auth's permission checks never read <c>user.banned</c>; Perms denies by default
/// (a documented difference) and can be set to Better Auth's exact behaviour with <c>bans.mode = "ignore"</c>.
/// </summary>
public sealed class BanTests
{
    private static readonly CompiledPolicy Ignore = PolicyFrom("""{ "bans": { "mode": "ignore" } }""");
    private static readonly CompiledPolicy AdminIds = PolicyFrom("""{ "admin": { "adminUserIds": ["u1"] } }""");

    public static TheoryData<bool, int?, bool> Bans() => new()
    {
        // banned, ban expires in (minutes from now; null = never), denied in deny mode
        { true, null, true },
        { true, 60, true },
        { true, -1, false },
        { true, 0, true }, // expiry exactly now: Better Auth lifts a ban only once banExpires < now
        { false, null, false },
        { false, 60, false },
    };

    [Theory]
    [MemberData(nameof(Bans))]
    public void Deny_mode_denies_organization_checks_while_the_ban_is_in_force(bool banned, int? expiresInMinutes, bool denied)
    {
        var user = User(banned: banned, banExpires: Expiry(expiresInMinutes));

        var decision = Organization("owner", Request(("member", ["create"])), user: user);

        Assert.Equal(denied ? PermissionDecision.Denied(DecisionReason.Banned) : PermissionDecision.GrantedBy("owner"), decision);
    }

    [Theory]
    [MemberData(nameof(Bans))]
    public void Deny_mode_denies_platform_checks_while_the_ban_is_in_force(bool banned, int? expiresInMinutes, bool denied)
    {
        var decision = Platform("admin", Request(("user", ["list"])), banned: banned, banExpires: Expiry(expiresInMinutes));

        Assert.Equal(denied ? PermissionDecision.Denied(DecisionReason.Banned) : PermissionDecision.GrantedBy("admin"), decision);
    }

    [Theory]
    [MemberData(nameof(Bans))]
    public void Ignore_mode_behaves_exactly_like_Better_Auth(bool banned, int? expiresInMinutes, bool deniedInDenyMode)
    {
        _ = deniedInDenyMode;
        var user = User(banned: banned, banExpires: Expiry(expiresInMinutes));

        Assert.Equal(PermissionDecision.GrantedBy("owner"), Organization("owner", Request(("member", ["create"])), Ignore, user));
        Assert.Equal(PermissionDecision.GrantedBy("admin"), Platform("admin", Request(("user", ["list"])), Ignore, banned: banned, banExpires: Expiry(expiresInMinutes)));
    }

    [Fact]
    public void A_ban_in_deny_mode_also_stops_listed_admin_user_ids()
    {
        Assert.Equal(DecisionReason.Banned, Platform("user", Request(("user", ["list"])), AdminIds, banned: true).Reason);
        Assert.Equal(DecisionReason.AllowedAsAdminUserId, Platform("user", Request(("user", ["list"])), AdminIds, banned: false).Reason);
    }

    [Fact]
    public void A_banned_non_member_is_reported_as_banned()
    {
        var decision = PermissionEvaluator.CheckOrganization(DefaultPolicy, DefaultPolicy.OrganizationRoles, User(banned: true), memberRoles: null, Request(("ac", ["read"])), Now);

        Assert.Equal(DecisionReason.Banned, decision.Reason);
    }

    private static DateTimeOffset? Expiry(int? minutes) => minutes is { } m ? Now.AddMinutes(m) : null;
}
