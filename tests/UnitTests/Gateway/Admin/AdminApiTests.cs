using System.Text;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Perms.Api.Admin.V1;
using Perms.Cluster;
using Perms.Gateway.Admin;
using Perms.Gateway.Routing;
using Perms.Grpc;
using Perms.UnitTests.Cluster;
using Perms.UnitTests.Grains;

namespace Perms.UnitTests.Gateway.Admin;

/// <summary>The admin API's mapping to <c>ISiloAdministration</c>, its validation, and what a gateway answers.</summary>
public sealed class AdminApiTests : IAsyncDisposable
{
    private readonly FakeSiloAdministration _silo = new();
    private readonly FakeMembershipProvider _membership = new("127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003");
    private readonly ManualTimeProvider _time = new();
    private readonly List<ClusterRouter> _routers = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var router in _routers)
        {
            await router.DisposeAsync();
        }
    }

    private static GrpcCallContext Context() => GrpcCallContextFactory.Create(new DefaultHttpContext(), "/perms.admin.v1.AdminService/ListActivations");

    private static AdminApi Alone(FakeSiloAdministration? silo) => new(silo, new ClusterOptions { Self = "127.0.0.1:50051" }, router: null);

    private ClusterRouter Router(string? self)
    {
        var router = new ClusterRouter(
            _membership,
            self is null ? null : SiloAddress.Parse(self),
            new ClusterAuthenticator([new string('t', 32)]),
            TimeSpan.FromSeconds(10),
            _time,
            new RoutingMetrics(null),
            NullLogger<ClusterRouter>.Instance);
        _routers.Add(router);
        return router;
    }

    private static ClusterOptions Clustered(string? self) => new() { Provider = "postgres", Self = self };

    private static Task<GrpcStatusException> Fails<T>(Func<ValueTask<T>> call) => Assert.ThrowsAsync<GrpcStatusException>(async () => await call());

    [Fact]
    public async Task Activations_are_listed_per_grain_type_with_the_default_sample_of_twenty()
    {
        for (var i = 0; i < 30; i++)
        {
            _silo.ActiveUsers.Add($"u-{i:D2}");
        }

        var response = await Alone(_silo).ListActivationsAsync(new ListActivationsRequest(), Context());

        Assert.Equal(["list 20"], _silo.Calls);
        Assert.Equal("127.0.0.1:50051", response.Silo);
        Assert.Equal(["user", "organization"], response.GrainTypes.Select(t => t.GrainType));
        Assert.Equal(30, response.GrainTypes[0].Count);
        Assert.Equal(3000, response.GrainTypes[0].EstimatedBytes);
        Assert.Equal(20, response.GrainTypes[0].SampleKeys.Count);
        Assert.Equal(["acme"], response.GrainTypes[1].SampleKeys);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    public async Task A_sample_size_within_bounds_is_passed_on(int size)
    {
        await Alone(_silo).ListActivationsAsync(new ListActivationsRequest { SampleSize = size }, Context());

        Assert.Equal([$"list {size}"], _silo.Calls);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1001)]
    [InlineData(int.MaxValue)]
    public async Task A_sample_size_out_of_bounds_is_invalid_and_names_the_field(int size)
    {
        var e = await Fails(() => Alone(_silo).ListActivationsAsync(new ListActivationsRequest { SampleSize = size }, Context()));

        Assert.Equal(GrpcStatusCode.InvalidArgument, e.Code);
        Assert.StartsWith("sample_size is ", e.Detail, StringComparison.Ordinal);
        Assert.Empty(_silo.Calls);
    }

    [Fact]
    public async Task Deactivate_user_says_whether_the_user_was_active()
    {
        _silo.ActiveUsers.Add("alice");
        var api = Alone(_silo);

        var first = await api.DeactivateUserAsync(new DeactivateUserRequest { UserId = "alice" }, Context());
        var second = await api.DeactivateUserAsync(new DeactivateUserRequest { UserId = "alice" }, Context());

        Assert.True(first.Deactivated);
        Assert.False(second.Deactivated);
        Assert.Equal(["deactivate-user alice", "deactivate-user alice"], _silo.Calls);
    }

    [Theory]
    [InlineData("", "user_id is empty")]
    [InlineData("a\u0001b", "user_id contains a control character")]
    public async Task A_bad_user_id_is_invalid_and_names_the_field(string id, string message)
    {
        var e = await Fails(() => Alone(_silo).DeactivateUserAsync(new DeactivateUserRequest { UserId = id }, Context()));

        Assert.Equal(GrpcStatusCode.InvalidArgument, e.Code);
        Assert.StartsWith(message, e.Detail, StringComparison.Ordinal);
        Assert.Empty(_silo.Calls);
    }

    [Fact]
    public async Task An_organization_id_over_255_bytes_is_invalid_and_names_the_field()
    {
        var e = await Fails(() => Alone(_silo).DeactivateOrganizationAsync(new DeactivateOrganizationRequest { OrganizationId = new string('é', 128) }, Context()));

        Assert.Equal(GrpcStatusCode.InvalidArgument, e.Code);
        Assert.Equal("organization_id is longer than 255 bytes", e.Detail);
        Assert.Empty(_silo.Calls);
    }

    [Fact]
    public async Task Deactivate_organization_reports_the_organization_and_its_member_grains()
    {
        var response = await Alone(_silo).DeactivateOrganizationAsync(new DeactivateOrganizationRequest { OrganizationId = "acme" }, Context());

        Assert.True(response.OrganizationDeactivated);
        Assert.Equal(3, response.UsersDeactivated);
        Assert.Equal(["deactivate-organization acme"], _silo.Calls);
    }

    [Fact]
    public async Task Flush_reports_what_it_removed()
    {
        _silo.ActiveUsers.UnionWith(["a", "b"]);

        var response = await Alone(_silo).FlushAllAsync(new FlushAllRequest(), Context());

        Assert.Equal(2, response.UsersDeactivated);
        Assert.Equal(1, response.OrganizationsDeactivated);
        Assert.Empty(_silo.ActiveUsers);
    }

    [Fact]
    public async Task The_policy_is_reported_with_its_hash_and_its_text_only_on_request()
    {
        var api = Alone(_silo);

        var summary = await api.GetPolicyAsync(new GetPolicyRequest(), Context());
        var full = await api.GetPolicyAsync(new GetPolicyRequest { IncludeText = true }, Context());

        Assert.Equal("file", summary.Source);
        Assert.Equal("/etc/perms/policy.json", summary.Path);
        Assert.Equal("abc123", summary.Sha256);
        Assert.Equal(Timestamp.FromDateTimeOffset(_silo.Policy.LoadedAt), summary.LoadedAt);
        Assert.Equal(["admin", "owner", "member"], summary.OrganizationRoles);
        Assert.Equal(["admin", "user"], summary.AdminRoles);
        Assert.False(summary.DynamicAccessControl);
        Assert.Equal("deny", summary.BanMode);
        Assert.Equal("", summary.Text);
        Assert.Equal("{}\n", full.Text);
    }

    [Fact]
    public async Task Built_in_defaults_are_reported_as_such()
    {
        _silo.Policy = _silo.Policy with { Path = null, Bytes = Encoding.UTF8.GetBytes("x") };

        var response = await Alone(_silo).GetPolicyAsync(new GetPolicyRequest(), Context());

        Assert.Equal("built-in", response.Source);
        Assert.Equal("", response.Path);
    }

    [Fact]
    public async Task A_silo_alone_reports_no_cluster()
    {
        var response = await Alone(_silo).GetClusterViewAsync(new GetClusterViewRequest(), Context());

        Assert.False(response.Clustered);
        Assert.Equal("static", response.Provider);
        Assert.Equal("silo", response.Role);
        Assert.Equal("127.0.0.1:50051", response.Self);
        Assert.Empty(response.Silos);
    }

    [Fact]
    public async Task A_clustered_silo_reports_its_view_itself_and_the_silos_it_suspects()
    {
        var router = Router("127.0.0.1:7002");
        router.Suspect(SiloAddress.Parse("127.0.0.1:7003"), new HttpRequestException("Connection refused"));
        var api = new AdminApi(_silo, Clustered("127.0.0.1:7002"), router);

        var response = await api.GetClusterViewAsync(new GetClusterViewRequest(), Context());

        Assert.True(response.Clustered);
        Assert.Equal("postgres", response.Provider);
        Assert.Equal(1, response.Version);
        Assert.Equal("127.0.0.1:7002", response.Self);
        Assert.Equal(["127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"], response.Silos.Select(s => s.Address));
        Assert.Equal([false, true, false], response.Silos.Select(s => s.Self));
        Assert.Equal([false, false, true], response.Silos.Select(s => s.Suspected));
    }

    [Fact]
    public async Task A_gateway_answers_the_cluster_view_and_sends_everything_else_to_a_silo()
    {
        var api = new AdminApi(silo: null, Clustered(self: null), Router(self: null));

        var view = await api.GetClusterViewAsync(new GetClusterViewRequest(), Context());
        var failures = new[]
        {
            await Fails(() => api.ListActivationsAsync(new ListActivationsRequest(), Context())),
            await Fails(() => api.DeactivateUserAsync(new DeactivateUserRequest { UserId = "alice" }, Context())),
            await Fails(() => api.DeactivateOrganizationAsync(new DeactivateOrganizationRequest { OrganizationId = "acme" }, Context())),
            await Fails(() => api.FlushAllAsync(new FlushAllRequest(), Context())),
            await Fails(() => api.GetPolicyAsync(new GetPolicyRequest(), Context())),
        };

        Assert.Equal("gateway", view.Role);
        Assert.Equal("", view.Self);
        Assert.Equal(3, view.Silos.Count);
        Assert.All(failures, e =>
        {
            Assert.Equal(GrpcStatusCode.FailedPrecondition, e.Code);
            Assert.Equal(AdminApi.GatewayMessage, e.Detail);
        });
    }

    [Fact]
    public async Task Every_change_is_logged_with_the_admin_who_made_it_and_reads_are_not()
    {
        using var logs = new Perms.UnitTests.Gateway.Auditing.StructuredLogProvider();
        using var factory = LoggerFactory.Create(builder => builder.AddProvider(logs));
        var api = new AdminApi(_silo, new ClusterOptions { Self = "127.0.0.1:50051" }, router: null, factory.CreateLogger<AdminApi>());
        var context = Context();
        context.HttpContext.Items[AdminApi.AdminItem] = "oncall-alice";

        await api.ListActivationsAsync(new ListActivationsRequest(), context);
        await api.DeactivateUserAsync(new DeactivateUserRequest { UserId = "user-7" }, context);
        await api.FlushAllAsync(new FlushAllRequest(), context);

        var changes = logs.Of(typeof(AdminApi).FullName!);
        Assert.Equal(["DeactivateUser", "FlushAll"], changes.Select(c => c["Method"]));
        Assert.All(changes, c => Assert.Equal("oncall-alice", c["Admin"]));
        Assert.Equal("user-7", changes[0]["Target"]);
    }
}
