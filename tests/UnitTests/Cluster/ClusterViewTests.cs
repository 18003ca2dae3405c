using Perms.Cluster;

namespace Perms.UnitTests.Cluster;

public sealed class ClusterViewTests
{
    [Fact]
    public void A_view_sorts_its_silos_and_drops_duplicates()
    {
        var view = new ClusterView(3, Silos("c:1", "a:1", "b:1", "a:1"));

        Assert.Equal(["a:1", "b:1", "c:1"], view.Silos.Select(s => s.ToString()));
    }

    [Fact]
    public void Views_are_equal_by_content()
    {
        var first = new ClusterView(2, Silos("a:1", "b:1"));
        var second = new ClusterView(2, Silos("b:1", "a:1"));

        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
        Assert.NotEqual(first, new ClusterView(3, Silos("a:1", "b:1")));
        Assert.NotEqual(first, new ClusterView(2, Silos("a:1")));
        Assert.True(first.HasSameSilos(new ClusterView(9, Silos("a:1", "b:1"))));
    }

    [Fact]
    public void The_empty_view_has_version_zero_and_no_silo()
    {
        Assert.Equal(0, ClusterView.Empty.Version);
        Assert.Empty(ClusterView.Empty.Silos);
    }

    internal static IEnumerable<SiloAddress> Silos(params string[] addresses) => addresses.Select(SiloAddress.Parse);
}
