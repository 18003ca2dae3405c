using System.Text;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Perms.Api.Admin.V1;
using Perms.Gateway.Admin;
using Perms.Grains.Interfaces.Admin;
using Perms.Grpc;

namespace Perms.UnitTests.Gateway.Admin;

/// <summary>The admin API's mapping to <c>ISiloAdministration</c> and its validation.</summary>
public sealed class AdminApiTests
{
    private readonly FakeSiloAdministration _silo = new();

    private static GrpcCallContext Context() => GrpcCallContextFactory.Create(new DefaultHttpContext(), "/perms.admin.v1.AdminService/ListActivations");

    private static AdminApi Alone(FakeSiloAdministration silo) => new(silo);

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
        Assert.Equal("127.0.0.1:11111@1", response.Silo); // the answering silo's Orleans address
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
        Assert.Equal("localhost", response.Provider);
        Assert.Equal("silo", response.Role);
        Assert.Equal("127.0.0.1:11111@1", response.Self);
        Assert.Equal(["127.0.0.1:11111@1"], response.Silos.Select(s => s.Address));
    }

    [Fact]
    public async Task A_clustered_silo_reports_the_membership_itself_and_the_silos_not_active()
    {
        _silo.Cluster = new ClusterMembers("postgres", 7, "10.0.0.2:11111@2", [
            new MemberSilo("10.0.0.1:11111@1", "silo-a", true, false),
            new MemberSilo("10.0.0.2:11111@2", "silo-b", true, true),
            new MemberSilo("10.0.0.3:11111@3", "silo-c", false, false)]);

        var response = await Alone(_silo).GetClusterViewAsync(new GetClusterViewRequest(), Context());

        Assert.True(response.Clustered);
        Assert.Equal("postgres", response.Provider);
        Assert.Equal(7, response.Version);
        Assert.Equal("10.0.0.2:11111@2", response.Self);
        Assert.Equal([false, true, false], response.Silos.Select(s => s.Self));
        Assert.Equal([false, false, true], response.Silos.Select(s => s.Suspected));
    }

    [Fact]
    public async Task Every_change_is_logged_with_the_admin_who_made_it_and_reads_are_not()
    {
        using var logs = new Perms.UnitTests.Gateway.Auditing.StructuredLogProvider();
        using var factory = LoggerFactory.Create(builder => builder.AddProvider(logs));
        var api = new AdminApi(_silo, factory.CreateLogger<AdminApi>());
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
