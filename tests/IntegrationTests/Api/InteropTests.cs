using System.Globalization;
using System.Text.Json;
using Grpc.Health.V1;
using Perms.Api.V1;
using Perms.Grpc;

namespace Perms.IntegrationTests.Api;

/// <summary>
/// Interop with real clients against the real silo process: @grpc/grpc-js (Node) and Debian's python3-grpcio make
/// every RPC, a health check, calls without valid credentials, invalid and unsupported requests, and get exactly the
/// demo's decisions. Each client runs once per test class (<see cref="PermsServerFixture.EveryCallAsync"/>); the
/// tests below check parts of its one document. The repository's own C# client covers the same basics.
/// </summary>
[Trait("Category", "Integration")]
public sealed class InteropTests(PermsServerFixture server) : IClassFixture<PermsServerFixture>
{
    private static readonly string[] MemberAndViewer = ["member", "viewer"];

    [Theory]
    [InlineData("node")]
    [InlineData("python")]
    public async Task Health_is_SERVING_without_credentials_and_NOT_FOUND_for_an_unknown_service(string client)
    {
        var results = await server.EveryCallAsync(client);

        Assert.Equal("SERVING", Ok(results, "health").GetProperty("status").GetString());
        Assert.Equal("SERVING", Ok(results, "health_permission_service").GetProperty("status").GetString());
        Assert.Contains("no.such.Service", Error(results, "health_unknown_service", "NOT_FOUND"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("node")]
    [InlineData("python")]
    public async Task CheckPermission_gives_the_demo_decisions_with_reasons_and_roles(string client)
    {
        var results = await server.EveryCallAsync(client);

        AssertDecision(Ok(results, "check_allowed"), true, "ALLOWED", "member", MemberAndViewer);
        AssertDecision(Ok(results, "check_denied"), false, "NO_ROLE_GRANTS", "", MemberAndViewer);
        AssertDecision(Ok(results, "check_banned"), false, "BANNED", "", ["admin"]);
        AssertDecision(Ok(results, "check_not_a_member"), false, "NOT_A_MEMBER", "", []);
        AssertDecision(Ok(results, "check_dynamic_role"), true, "ALLOWED", "auditor", ["auditor"]);
        AssertDecision(Ok(results, "check_owner_no_explain"), true, "ALLOWED", "owner", []); // explain off: no roles
        AssertDecision(Ok(results, "check_unknown_user"), false, "USER_NOT_FOUND", "", []);
        AssertDecision(Ok(results, "check_unknown_permission"), false, "UNKNOWN_PERMISSION", "", MemberAndViewer);
    }

    [Theory]
    [InlineData("node")]
    [InlineData("python")]
    public async Task Fully_consistent_and_at_least_as_fresh_checks_give_the_same_decisions_from_fresh_reads(string client)
    {
        var results = await server.EveryCallAsync(client);

        AssertDecision(Ok(results, "fully_consistent"), true, "ALLOWED", "member", MemberAndViewer);
        AssertDecision(Ok(results, "at_least_as_fresh"), true, "ALLOWED", "member", MemberAndViewer);
        // Read after the request was made: the state is not older than the call that asked for it.
        var allowedAsOf = Ok(results, "check_allowed").GetProperty("state_as_of");
        var freshAsOf = Ok(results, "at_least_as_fresh").GetProperty("state_as_of");
        Assert.True(Instant(freshAsOf) >= Instant(allowedAsOf), $"{freshAsOf} is older than {allowedAsOf}");
    }

    [Theory]
    [InlineData("node")]
    [InlineData("python")]
    public async Task CheckPermissions_answers_in_request_order_and_fails_only_the_invalid_item(string client)
    {
        var results = Ok(await server.EveryCallAsync(client), "check_batch").GetProperty("results").EnumerateArray().ToArray();

        Assert.Equal(3, results.Length);
        Assert.False(results[0].TryGetProperty("error", out _));
        AssertDecision(results[0].GetProperty("response"), true, "ALLOWED", "member", MemberAndViewer);

        Assert.False(results[1].TryGetProperty("response", out _));
        var error = results[1].GetProperty("error");
        Assert.Equal((int)GrpcStatusCode.InvalidArgument, error.GetProperty("code").GetInt32());
        Assert.Equal("checks[1].user_id is empty", error.GetProperty("message").GetString());

        Assert.False(results[2].TryGetProperty("error", out _));
        AssertDecision(results[2].GetProperty("response"), true, "ALLOWED", "admin", ["admin"]);
    }

    [Theory]
    [InlineData("node")]
    [InlineData("python")]
    public async Task CheckPlatformPermission_uses_the_admin_plugin_roles(string client)
    {
        var results = await server.EveryCallAsync(client);

        AssertDecision(Ok(results, "check_platform"), true, "ALLOWED", "admin", ["admin"]);
        AssertDecision(Ok(results, "check_platform_denied"), false, "NO_ROLE_GRANTS", "", ["user"]);
    }

    [Theory]
    [InlineData("node")]
    [InlineData("python")]
    public async Task GetMemberships_lists_organizations_roles_and_bans(string client)
    {
        var results = await server.EveryCallAsync(client);

        var carol = Ok(results, "memberships");
        Assert.True(carol.GetProperty("user_exists").GetBoolean());
        Assert.False(carol.GetProperty("banned").GetBoolean());
        Assert.False(carol.TryGetProperty("ban_expires", out _));
        Assert.Equal(["user"], Strings(carol.GetProperty("platform_roles")));
        AssertRecent(carol.GetProperty("state_as_of"));
        var memberships = carol.GetProperty("memberships").EnumerateArray().ToArray();
        Assert.Equal(2, memberships.Length);
        Assert.All(memberships, m => Assert.Empty(Strings(m.GetProperty("team_ids"))));
        var roles = memberships.ToDictionary(m => m.GetProperty("organization_id").GetString()!, m => Strings(m.GetProperty("roles")));
        Assert.Equal(MemberAndViewer, roles[server.Organizations["acme"]]);
        Assert.Equal(["viewer"], roles[server.Organizations["globex"]]);

        var erin = Ok(results, "memberships_banned");
        Assert.True(erin.GetProperty("user_exists").GetBoolean());
        Assert.True(erin.GetProperty("banned").GetBoolean());
        Assert.False(erin.TryGetProperty("ban_expires", out _)); // banned without an expiry
        var erinMembership = Assert.Single(erin.GetProperty("memberships").EnumerateArray());
        Assert.Equal(server.Organizations["acme"], erinMembership.GetProperty("organization_id").GetString());
        Assert.Equal(["admin"], Strings(erinMembership.GetProperty("roles")));
    }

    [Theory]
    [InlineData("node")]
    [InlineData("python")]
    public async Task GetEffectivePermissions_lists_every_action_of_the_member_with_its_roles(string client)
    {
        var bob = Ok(await server.EveryCallAsync(client), "effective");

        Assert.Equal("ALLOWED", bob.GetProperty("reason").GetString());
        Assert.Equal(["admin"], Strings(bob.GetProperty("member_roles")));
        AssertRecent(bob.GetProperty("state_as_of"));
        var permissions = bob.GetProperty("permissions").EnumerateArray().ToArray();
        Assert.All(permissions, p => Assert.Equal(["admin"], Strings(p.GetProperty("granted_by_roles"))));
        string[] expected =
        [
            "ac:read", "invitation:cancel", "invitation:create", "member:create", "member:delete", "member:update", "organization:update",
            "project:create", "project:read", "project:update", "team:create", "team:delete", "team:update",
        ];
        Assert.Equal(expected, permissions.Select(p => $"{p.GetProperty("resource").GetString()}:{p.GetProperty("action").GetString()}").Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("node")]
    [InlineData("python")]
    public async Task Calls_without_a_valid_token_are_UNAUTHENTICATED(string client)
    {
        var results = await server.EveryCallAsync(client);

        Assert.Equal("missing or invalid caller credentials", Error(results, "no_token", "UNAUTHENTICATED"));
        Assert.Equal("missing or invalid caller credentials", Error(results, "wrong_token", "UNAUTHENTICATED"));
    }

    [Theory]
    [InlineData("node")]
    [InlineData("python")]
    public async Task Invalid_and_unknown_requests_get_statuses_naming_the_field(string client)
    {
        var results = await server.EveryCallAsync(client);

        Assert.Equal("user_id is empty", Error(results, "empty_user_id", "INVALID_ARGUMENT"));
        Assert.StartsWith("consistency.at_least_as_fresh.seconds is 253402300800;", Error(results, "at_least_as_fresh_invalid", "INVALID_ARGUMENT"), StringComparison.Ordinal);
        Assert.Contains("/perms.v1.PermissionService/NoSuchMethod", Error(results, "unknown_method", "UNIMPLEMENTED"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_repository_client_calls_health_and_the_permission_service_end_to_end()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var channel = server.CreateChannel();
        var authorized = new GrpcCallOptions { Headers = [server.Authorization], Timeout = TimeSpan.FromSeconds(5) };

        var health = await channel.CallUnaryAsync("/grpc.health.v1.Health/Check", new HealthCheckRequest(), HealthCheckResponse.Parser, new GrpcCallOptions { Timeout = TimeSpan.FromSeconds(5) }, cancel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);

        var check = Check("carol", "acme", "project", "read");
        var allowed = await channel.CallUnaryAsync("/perms.v1.PermissionService/CheckPermission", check, CheckPermissionResponse.Parser, authorized, cancel);
        Assert.True(allowed.Allowed);
        Assert.Equal(Reason.Allowed, allowed.Reason);
        Assert.Equal("member", allowed.GrantedByRole);
        Assert.Equal(MemberAndViewer, allowed.MemberRoles);
        Assert.InRange(allowed.StateAsOf.ToDateTimeOffset(), server.SeededAt.AddSeconds(-1), DateTimeOffset.UtcNow.AddMinutes(1));

        var memberships = await channel.CallUnaryAsync(
            "/perms.v1.PermissionService/GetMemberships", new GetMembershipsRequest { UserId = server.Users["carol"] }, GetMembershipsResponse.Parser, authorized, cancel);
        Assert.True(memberships.UserExists);
        Assert.Equal(
            server.Organizations.Values.Order(StringComparer.Ordinal),
            memberships.Memberships.Select(m => m.OrganizationId).Order(StringComparer.Ordinal));

        var unauthenticated = await Assert.ThrowsAsync<GrpcStatusException>(() =>
            channel.CallUnaryAsync("/perms.v1.PermissionService/CheckPermission", check, CheckPermissionResponse.Parser, new GrpcCallOptions { Timeout = TimeSpan.FromSeconds(5) }, cancel));
        Assert.Equal(GrpcStatusCode.Unauthenticated, unauthenticated.Code);

        var empty = check.Clone();
        empty.UserId = "";
        var invalid = await Assert.ThrowsAsync<GrpcStatusException>(() =>
            channel.CallUnaryAsync("/perms.v1.PermissionService/CheckPermission", empty, CheckPermissionResponse.Parser, authorized, cancel));
        Assert.Equal(GrpcStatusCode.InvalidArgument, invalid.Code);
        Assert.Equal("user_id is empty", invalid.Detail);
    }

    private CheckPermissionRequest Check(string user, string organization, string resource, string action)
    {
        var request = new CheckPermissionRequest { UserId = server.Users[user], OrganizationId = server.Organizations[organization], Explain = true };
        request.Permissions.Add(resource, new Actions { Actions_ = { action } });
        return request;
    }

    private void AssertDecision(JsonElement response, bool allowed, string reason, string grantedByRole, string[] memberRoles)
    {
        Assert.Equal(allowed, response.GetProperty("allowed").GetBoolean());
        Assert.Equal(reason, response.GetProperty("reason").GetString());
        Assert.Equal(grantedByRole, response.GetProperty("granted_by_role").GetString());
        Assert.Equal(memberRoles, Strings(response.GetProperty("member_roles")));
        AssertRecent(response.GetProperty("state_as_of"));
    }

    /// <summary>state_as_of: an RFC 3339 instant after the demo data was written (it is PostgreSQL's now() at the load).</summary>
    private void AssertRecent(JsonElement stateAsOf)
    {
        Assert.InRange(Instant(stateAsOf), server.SeededAt.AddSeconds(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    private static DateTimeOffset Instant(JsonElement rfc3339) =>
        DateTimeOffset.Parse(rfc3339.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static JsonElement Ok(JsonElement results, string call)
    {
        var outcome = results.GetProperty(call);
        Assert.True(outcome.GetProperty("ok").GetBoolean(), $"{call} should succeed but got {outcome}");
        return outcome.GetProperty("response");
    }

    private static string Error(JsonElement results, string call, string code)
    {
        var outcome = results.GetProperty(call);
        Assert.False(outcome.GetProperty("ok").GetBoolean(), $"{call} should fail with {code} but got {outcome}");
        Assert.Equal(code, outcome.GetProperty("code").GetString());
        return outcome.GetProperty("message").GetString()!;
    }

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}
