using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Http;
using Perms.Api.V1;
using Perms.Gateway.Api;
using Perms.Grains.Interfaces.Checks;
using Perms.Grains.Interfaces.Errors;
using Perms.Grains.Interfaces.Permissions;
using Perms.Grpc;

namespace Perms.UnitTests.Gateway;

/// <summary>The thin API layer: validation before any lookup, exact mapping, and failures as statuses, never decisions.</summary>
public sealed class PermissionApiTests
{
    private static readonly DateTimeOffset AsOf = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    private static GrpcCallContext Context() => GrpcCallContextFactory.Create(new DefaultHttpContext(), "/perms.v1.PermissionService/CheckPermission");

    private static CheckPermissionRequest Request(string user = "u1", string organization = "o1") => new()
    {
        UserId = user,
        OrganizationId = organization,
        Permissions = { ["member"] = new Actions { Actions_ = { "create" } } },
    };

    [Fact]
    public async Task An_allow_is_mapped_with_its_role_time_and_explanation()
    {
        var api = new PermissionApi(new FakeChecker(_ => new CheckResult(PermissionDecision.GrantedBy("admin"), AsOf, ["member", "admin"])));
        var request = Request();
        request.Explain = true;

        var response = await api.CheckPermissionAsync(request, Context());

        Assert.True(response.Allowed);
        Assert.Equal(Reason.Allowed, response.Reason);
        Assert.Equal("admin", response.GrantedByRole);
        Assert.Equal(["member", "admin"], response.MemberRoles);
        Assert.Equal(Timestamp.FromDateTimeOffset(AsOf), response.StateAsOf);
    }

    [Fact]
    public async Task Without_explain_the_roles_are_left_out()
    {
        var api = new PermissionApi(new FakeChecker(_ => new CheckResult(PermissionDecision.Denied(DecisionReason.NoRoleGrants), AsOf, ["member"])));

        var response = await api.CheckPermissionAsync(Request(), Context());

        Assert.False(response.Allowed);
        Assert.Equal(Reason.NoRoleGrants, response.Reason);
        Assert.Empty(response.MemberRoles);
    }

    [Fact]
    public async Task An_unavailable_state_is_UNAVAILABLE_and_broken_data_FAILED_PRECONDITION()
    {
        var down = new PermissionApi(new FakeChecker(_ => throw new StateUnavailableException("user u1: connection refused")));
        var broken = new PermissionApi(new FakeChecker(_ => throw new InvalidStateException("organizationRole row \"r9\" is malformed")));

        var unavailable = await Assert.ThrowsAsync<GrpcStatusException>(() => down.CheckPermissionAsync(Request(), Context()).AsTask());
        var precondition = await Assert.ThrowsAsync<GrpcStatusException>(() => broken.CheckPermissionAsync(Request(), Context()).AsTask());

        Assert.Equal(GrpcStatusCode.Unavailable, unavailable.Code);
        Assert.Equal(GrpcStatusCode.FailedPrecondition, precondition.Code);
        Assert.Contains("r9", precondition.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_request_is_INVALID_ARGUMENT_and_never_reaches_the_checker()
    {
        var checker = new FakeChecker(_ => throw new InvalidOperationException("must not be called"));
        var api = new PermissionApi(checker);

        var error = await Assert.ThrowsAsync<GrpcStatusException>(() => api.CheckPermissionAsync(Request(organization: ""), Context()).AsTask());

        Assert.Equal(GrpcStatusCode.InvalidArgument, error.Code);
        Assert.Equal("organization_id is empty", error.Detail);
        Assert.Equal(0, checker.Calls);
    }

    [Fact]
    public async Task Each_consistency_requirement_reaches_the_checker_as_asked()
    {
        var seen = new List<ReadConsistency>();
        var api = new PermissionApi(new FakeChecker(_ => new CheckResult(PermissionDecision.GrantedBy("owner"), AsOf, []), seen.Add));
        var fresh = new DateTimeOffset(2026, 11, 22, 9, 30, 15, 123, TimeSpan.Zero);
        foreach (var consistency in new Consistency?[]
        {
            null,
            new() { MinimizeLatency = true },
            new() { FullyConsistent = true },
            new() { AtLeastAsFresh = Timestamp.FromDateTimeOffset(fresh) },
        })
        {
            var request = Request();
            request.Consistency = consistency;
            await api.CheckPermissionAsync(request, Context());
        }

        Assert.Equal([ReadConsistency.MinimizeLatency, ReadConsistency.MinimizeLatency, ReadConsistency.FullyConsistent, ReadConsistency.AtLeastAsFresh(fresh)], seen);
    }

    [Theory]
    [InlineData("minimize_latency", "consistency.minimize_latency is false; set it to true or leave consistency unset")]
    [InlineData("fully_consistent", "consistency.fully_consistent is false; set it to true, or choose another requirement")]
    [InlineData("seconds", "consistency.at_least_as_fresh.seconds is 253402300800; give a time between 0001-01-01 and 9999-12-31 (Unix seconds -62135596800 to 253402300799)")]
    [InlineData("nanos", "consistency.at_least_as_fresh.nanos is -1; give 0 to 999999999")]
    public async Task A_consistency_that_asks_for_nothing_real_is_INVALID_ARGUMENT_before_any_lookup(string field, string message)
    {
        var checker = new FakeChecker(_ => throw new InvalidOperationException("must not be called"));
        var api = new PermissionApi(checker);
        var request = Request();
        request.Consistency = field switch
        {
            "minimize_latency" => new Consistency { MinimizeLatency = false },
            "fully_consistent" => new Consistency { FullyConsistent = false },
            "seconds" => new Consistency { AtLeastAsFresh = new Timestamp { Seconds = 253_402_300_800 } },
            _ => new Consistency { AtLeastAsFresh = new Timestamp { Seconds = 1, Nanos = -1 } },
        };

        var error = await Assert.ThrowsAsync<GrpcStatusException>(() => api.CheckPermissionAsync(request, Context()).AsTask());

        Assert.Equal(GrpcStatusCode.InvalidArgument, error.Code);
        Assert.Equal(message, error.Detail);
        Assert.Equal(0, checker.Calls);
    }

    [Fact]
    public async Task A_batch_answers_every_item_in_order_and_one_bad_item_fails_alone()
    {
        var api = new PermissionApi(new FakeChecker(user => user switch
        {
            "down" => throw new StateUnavailableException("user down: timeout"),
            _ => new CheckResult(PermissionDecision.GrantedBy("owner"), AsOf, []),
        }));
        var batch = new CheckPermissionsRequest { Checks = { Request(), Request(user: ""), Request(user: "down"), Request(user: "u2") } };

        var response = await api.CheckPermissionsAsync(batch, Context());

        Assert.Equal(4, response.Results.Count);
        Assert.True(response.Results[0].Response.Allowed);
        Assert.Equal((int)GrpcStatusCode.InvalidArgument, response.Results[1].Error.Code);
        Assert.Equal("checks[1].user_id is empty", response.Results[1].Error.Message);
        Assert.Equal((int)GrpcStatusCode.Unavailable, response.Results[2].Error.Code);
        Assert.True(response.Results[3].Response.Allowed);
    }

    [Fact]
    public async Task A_batch_over_the_limit_is_refused_whole()
    {
        var api = new PermissionApi(new FakeChecker(_ => new CheckResult(PermissionDecision.GrantedBy("owner"), AsOf, [])));
        var batch = new CheckPermissionsRequest();
        batch.Checks.AddRange(Enumerable.Range(0, 1001).Select(_ => Request()));

        var error = await Assert.ThrowsAsync<GrpcStatusException>(() => api.CheckPermissionsAsync(batch, Context()).AsTask());

        Assert.Equal("checks has 1001 items; at most 1000 are allowed", error.Detail);
    }

    private sealed class FakeChecker(Func<string, CheckResult> check, Action<ReadConsistency>? seen = null) : IPermissionChecker
    {
        public int Calls { get; private set; }

        public ValueTask<CheckResult> CheckOrganizationAsync(string userId, string organizationId, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken)
        {
            Calls++;
            seen?.Invoke(consistency);
            return ValueTask.FromResult(check(userId));
        }

        public ValueTask<CheckResult> CheckPlatformAsync(string userId, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken) => ValueTask.FromResult(check(userId));

        public ValueTask<EffectivePermissions> GetEffectivePermissionsAsync(string userId, string organizationId, ReadConsistency consistency, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<UserMemberships> GetMembershipsAsync(string userId, ReadConsistency consistency, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
