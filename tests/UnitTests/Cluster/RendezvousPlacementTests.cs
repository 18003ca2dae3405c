using System.Globalization;
using Perms.Cluster;

namespace Perms.UnitTests.Cluster;

public sealed class RendezvousPlacementTests
{
    private static readonly ClusterView Three = new(1, ClusterViewTests.Silos("silo-0.perms:7000", "silo-1.perms:7000", "silo-2.perms:7000"));

    private static readonly ClusterView Five = new(1, ClusterViewTests.Silos("10.0.0.1:7000", "10.0.0.2:7000", "10.0.0.3:7000", "10.0.0.4:7000", "10.0.0.5:7000"));

    // Pinned owners, computed independently with xxhash-wasm (the C reference) and BigInt arithmetic in Node: a change
    // here would re-place every grain of a running cluster during a rolling upgrade.
    [Theory]
    [InlineData("three", "user-42", "silo-1.perms:7000")]
    [InlineData("three", "", "silo-1.perms:7000")]
    [InlineData("three", "org_7f3a", "silo-1.perms:7000")]
    [InlineData("three", "ユーザー", "silo-2.perms:7000")]
    [InlineData("three", "k*300", "silo-2.perms:7000")]
    [InlineData("five", "user-42", "10.0.0.4:7000")]
    [InlineData("five", "", "10.0.0.5:7000")]
    [InlineData("five", "org_7f3a", "10.0.0.3:7000")]
    [InlineData("five", "ユーザー", "10.0.0.1:7000")]
    [InlineData("five", "k*300", "10.0.0.1:7000")]
    public void Owners_are_pinned_across_processes_and_platforms(string viewName, string key, string owner)
    {
        var view = viewName == "three" ? Three : Five;

        // The 300-byte key takes the pooled-buffer path instead of the stack.
        var realKey = key == "k*300" ? new string('k', 300) : key;

        Assert.Equal(owner, RendezvousPlacement.OwnerOf(realKey, view).ToString());
    }

    [Fact]
    public void Ten_silos_each_own_a_tenth_of_the_keys_within_ten_percent()
    {
        var view = new ClusterView(1, Enumerable.Range(0, 10).Select(i => new SiloAddress($"silo-{i}.perms", 7000)));
        var counts = Keys(100_000).GroupBy(key => RendezvousPlacement.OwnerOf(key, view)).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(10, counts.Count);
        Assert.All(counts.Values, count => Assert.InRange(count, 9_000, 11_000));
    }

    [Fact]
    public void A_joining_silo_takes_keys_only_for_itself()
    {
        var before = new ClusterView(1, Enumerable.Range(0, 10).Select(i => new SiloAddress($"silo-{i}.perms", 7000)));
        var joiner = new SiloAddress("silo-10.perms", 7000);
        var after = new ClusterView(2, before.Silos.Append(joiner));

        var moved = 0;
        foreach (var key in Keys(20_000))
        {
            var oldOwner = RendezvousPlacement.OwnerOf(key, before);
            var newOwner = RendezvousPlacement.OwnerOf(key, after);
            if (oldOwner != newOwner)
            {
                Assert.Equal(joiner, newOwner);
                moved++;
            }
        }

        // About one key in eleven moves to the new silo.
        Assert.InRange(moved, 20_000 / 11 * 0.8, 20_000 / 11 * 1.2);
    }

    [Fact]
    public void A_leaving_silo_gives_up_only_its_own_keys()
    {
        var before = new ClusterView(1, Enumerable.Range(0, 10).Select(i => new SiloAddress($"silo-{i}.perms", 7000)));
        var leaver = before.Silos[4];
        var after = new ClusterView(2, before.Silos.Remove(leaver));

        foreach (var key in Keys(20_000))
        {
            var oldOwner = RendezvousPlacement.OwnerOf(key, before);
            var newOwner = RendezvousPlacement.OwnerOf(key, after);
            if (oldOwner != leaver)
            {
                Assert.Equal(oldOwner, newOwner);
            }
        }
    }

    [Fact]
    public void Placing_in_an_empty_view_says_no_silo_is_live()
    {
        var exception = Assert.Throws<InvalidOperationException>(() => RendezvousPlacement.OwnerOf("user-42", ClusterView.Empty));

        Assert.Contains("no live silo", exception.Message, StringComparison.Ordinal);
        Assert.Contains("user-42", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Placing_a_short_key_allocates_nothing()
    {
        var key = new string('u', 85);
        RendezvousPlacement.OwnerOf(key, Five);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            RendezvousPlacement.OwnerOf(key, Five);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public void Excluding_silos_places_as_a_view_without_them()
    {
        var view = new ClusterView(1, Enumerable.Range(0, 7).Select(i => new SiloAddress($"silo-{i}.perms", 7000)));
        var excluded = new HashSet<SiloAddress> { view.Silos[1], view.Silos[4] };
        var without = new ClusterView(2, view.Silos.Where(s => !excluded.Contains(s)));

        foreach (var key in Keys(10_000).Append("").Append(new string('k', 300)))
        {
            Assert.Equal(RendezvousPlacement.OwnerOf(key, without), RendezvousPlacement.OwnerOf(key, view, excluded));
        }
    }

    [Fact]
    public void Excluding_nothing_places_as_the_view()
    {
        var none = new HashSet<SiloAddress>();

        foreach (var key in Keys(5_000))
        {
            Assert.Equal(RendezvousPlacement.OwnerOf(key, Five), RendezvousPlacement.OwnerOf(key, Five, none));
        }
    }

    [Fact]
    public void Excluding_the_owner_moves_its_keys_and_no_others()
    {
        var owner = Five.Silos[2];
        var excluded = new HashSet<SiloAddress> { owner };

        var moved = 0;
        foreach (var key in Keys(10_000))
        {
            var before = RendezvousPlacement.OwnerOf(key, Five);
            var after = RendezvousPlacement.OwnerOf(key, Five, excluded);
            Assert.NotEqual(owner, after);
            if (before == owner)
            {
                moved++;
            }
            else
            {
                Assert.Equal(before, after);
            }
        }

        Assert.InRange(moved, 10_000 / 5 * 0.8, 10_000 / 5 * 1.2);
    }

    [Fact]
    public void Excluding_every_silo_or_placing_in_an_empty_view_gives_no_owner()
    {
        var all = Three.Silos.ToHashSet();

        Assert.Null(RendezvousPlacement.OwnerOf("user-42", Three, all));
        Assert.Null(RendezvousPlacement.OwnerOf("user-42", ClusterView.Empty, new HashSet<SiloAddress>()));
    }

    [Fact]
    public void Excluding_a_silo_outside_the_view_changes_nothing()
    {
        var stranger = new HashSet<SiloAddress> { new("10.9.9.9", 7000) };

        foreach (var key in Keys(2_000))
        {
            Assert.Equal(RendezvousPlacement.OwnerOf(key, Three), RendezvousPlacement.OwnerOf(key, Three, stranger));
        }
    }

    private static IEnumerable<string> Keys(int count) =>
        Enumerable.Range(0, count).Select(i => "user-" + i.ToString(CultureInfo.InvariantCulture));
}
