using Perms.Cluster;

namespace Perms.UnitTests.Cluster;

public sealed class StaticMembershipProviderTests
{
    [Fact]
    public async Task The_view_is_the_configured_list_sorted()
    {
        await using var provider = new StaticMembershipProvider(["silo-1:7000", "silo-0:7000"]);
        await provider.StartAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, provider.Current.Version);
        Assert.Equal(["silo-0:7000", "silo-1:7000"], provider.Current.Silos.Select(s => s.ToString()));
    }

    [Fact]
    public void An_empty_list_is_refused() =>
        Assert.Contains("at least one silo", Assert.Throws<ArgumentException>(() => new StaticMembershipProvider(Array.Empty<string>())).Message, StringComparison.Ordinal);

    [Fact]
    public void A_silo_listed_twice_is_refused()
    {
        var exception = Assert.Throws<ArgumentException>(() => new StaticMembershipProvider(["silo-0:7000", "SILO-0:7000"]));

        Assert.Contains("silo-0:7000 more than once", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_address_is_refused_by_name() =>
        Assert.Contains("'silo-0'", Assert.Throws<FormatException>(() => new StaticMembershipProvider(["silo-0"])).Message, StringComparison.Ordinal);
}
