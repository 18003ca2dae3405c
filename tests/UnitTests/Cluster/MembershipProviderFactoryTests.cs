using Microsoft.Extensions.Logging.Abstractions;
using Perms.Cluster;

namespace Perms.UnitTests.Cluster;

/// <summary>Which membership provider Perms:Cluster makes, for a silo and for a gateway (nothing is started).</summary>
public sealed class MembershipProviderFactoryTests
{
    private static IMembershipProvider Create(ClusterOptions options, string? self) =>
        MembershipProviderFactory.Create(options, self is null ? null : SiloAddress.Parse(self), NullLoggerFactory.Instance, TimeProvider.System);

    [Fact]
    public async Task A_static_list_is_the_view_whoever_asks()
    {
        var options = new ClusterOptions { Silos = ["10.0.0.2:50051", "10.0.0.1:50051"] };

        await using var silo = Create(options, "10.0.0.1:50051");
        await using var gateway = Create(options, self: null);

        Assert.IsType<StaticMembershipProvider>(silo);
        Assert.IsType<StaticMembershipProvider>(gateway);
        Assert.Equal(["10.0.0.1:50051", "10.0.0.2:50051"], silo.Current.Silos.Select(s => s.ToString()));
        Assert.True(silo.Current.HasSameSilos(gateway.Current));
    }

    [Fact]
    public async Task A_silo_alone_is_a_view_of_itself()
    {
        await using var provider = Create(new ClusterOptions(), "10.0.0.7:50051");

        Assert.IsType<StaticMembershipProvider>(provider);
        Assert.Equal(SiloAddress.Parse("10.0.0.7:50051"), Assert.Single(provider.Current.Silos));
    }

    [Fact]
    public void A_static_gateway_without_silos_has_nothing_to_route_to()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Create(new ClusterOptions(), self: null));

        Assert.Contains("Perms:Cluster:Silos is empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dns_makes_a_dns_provider_whatever_the_case_of_its_name()
    {
        var options = new ClusterOptions { Provider = " Dns ", Silos = ["10.0.0.1:50051"], Dns = { HostName = "perms-silo.perms.svc.cluster.local" } };

        await using var provider = Create(options, "10.0.0.1:50051");

        // The static list is ignored: the view is empty until the name is resolved (the provider is not started).
        Assert.IsType<DnsMembershipProvider>(provider);
        Assert.Equal(ClusterView.Empty, provider.Current);
    }

    [Fact]
    public async Task Postgres_makes_a_joining_provider_for_a_silo_and_an_observer_for_a_gateway()
    {
        // Constructing does not connect; it validates, so a provider without Self exists only as an observer.
        var options = new ClusterOptions { Provider = "postgres", Postgres = { ConnectionString = "Host=127.0.0.1;Port=1;Username=perms" } };

        await using var silo = Create(options, "10.0.0.1:50051");
        await using var gateway = Create(options, self: null);

        Assert.IsType<PostgresMembershipProvider>(silo);
        Assert.IsType<PostgresMembershipProvider>(gateway);
        Assert.Equal(ClusterView.Empty, gateway.Current);
    }
}
