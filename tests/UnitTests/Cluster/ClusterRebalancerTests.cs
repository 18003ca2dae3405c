using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Perms.Cluster;
using Perms.Silo.Grains;
using Perms.UnitTests.Grains;

namespace Perms.UnitTests.Cluster;

/// <summary>
/// A silo's rebalancing: on a view change it deactivates the user grains another silo owns now, and nothing when the
/// view does not hold it. It is created as the host creates it and driven through IHostedService and the membership's
/// Changed event; passes run off the event's thread, so each test waits for <c>WhenIdle</c> before looking.
/// </summary>
public sealed class ClusterRebalancerTests : IAsyncDisposable
{
    private const string Self = "silo-a.perms:50051";
    private const string ClusterToken = "0123456789abcdef0123456789abcdef";

    private readonly FakeGrainInvalidator _users = new();
    private readonly FakeMembershipProvider _membership = new(Self);
    private ServiceProvider? _services;
    private Perms.Silo.Cluster.ClusterRebalancer? _rebalancer;

    public async ValueTask DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static IEnumerable<string> Keys(int count) =>
        Enumerable.Range(0, count).Select(i => "user-" + i.ToString(CultureInfo.InvariantCulture));

    private async Task<Perms.Silo.Cluster.ClusterRebalancer> StartAsync(ClusterOptions options)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(Options.Create(options));
        services.AddSingleton<IMembershipProvider>(_membership);
        services.AddSingleton<IGrainInvalidator>(_users);
        _services = services.BuildServiceProvider();
        var rebalancer = _rebalancer = ActivatorUtilities.CreateInstance<Perms.Silo.Cluster.ClusterRebalancer>(_services);
        await rebalancer.StartAsync(Token);
        return rebalancer;
    }

    private static ClusterOptions Clustered() => new() { Self = Self, Silos = [Self, "silo-b.perms:50051", "silo-c.perms:50051"], Token = ClusterToken };

    private Task<List<string>> ActivateAsync(int count)
    {
        var keys = Keys(count).ToList();
        keys.ForEach(k => _users.Activate(k));
        return Task.FromResult(keys);
    }

    private List<string> Active(IEnumerable<string> keys) => [.. keys.Where(_users.Users.ContainsKey)];

    /// <summary>Changes the view and waits until the rebalancer has applied it.</summary>
    private async Task<ClusterView> ChangeAsync(params string[] silos)
    {
        var view = _membership.Change(silos);
        await _rebalancer!.WhenIdle();
        return view;
    }

    [Fact]
    public async Task A_view_change_deactivates_exactly_the_users_other_silos_own_now()
    {
        // Alone, this silo owned every user; two silos join.
        var keys = await ActivateAsync(300);
        await StartAsync(Clustered());

        var view = await ChangeAsync(Self, "silo-b.perms:50051", "silo-c.perms:50051");

        var self = SiloAddress.Parse(Self);
        var owned = keys.Where(k => RendezvousPlacement.OwnerOf(k, view) == self).ToList();
        Assert.InRange(owned.Count, 1, 299);
        Assert.Equal(owned, Active(keys));
    }

    [Fact]
    public async Task A_silo_that_joins_takes_only_its_own_users_away()
    {
        var keys = await ActivateAsync(300);
        await StartAsync(Clustered());
        var before = await ChangeAsync(Self, "silo-b.perms:50051");
        var kept = Active(keys);

        var after = await ChangeAsync(Self, "silo-b.perms:50051", "silo-c.perms:50051");

        var joiner = SiloAddress.Parse("silo-c.perms:50051");
        var taken = kept.Where(k => RendezvousPlacement.OwnerOf(k, after) == joiner).ToList();
        Assert.NotEmpty(taken);
        Assert.Equal(kept.Except(taken), Active(keys));
        Assert.All(kept, k => Assert.Equal(SiloAddress.Parse(Self), RendezvousPlacement.OwnerOf(k, before)));
    }

    [Fact]
    public async Task A_view_without_this_silo_deactivates_nothing()
    {
        var keys = await ActivateAsync(100);
        await StartAsync(Clustered());

        await ChangeAsync("silo-b.perms:50051", "silo-c.perms:50051");
        await ChangeAsync();

        Assert.Equal(keys, Active(keys));
    }

    [Fact]
    public async Task A_silo_alone_does_not_follow_the_membership()
    {
        var keys = await ActivateAsync(100);
        await StartAsync(new ClusterOptions { Self = Self });

        _membership.Change(Self, "silo-b.perms:50051");

        Assert.Equal(0, _membership.Subscribers);
        Assert.Equal(keys, Active(keys));
    }

    [Fact]
    public async Task A_stopped_rebalancer_no_longer_follows_the_membership()
    {
        var keys = await ActivateAsync(100);
        var rebalancer = await StartAsync(Clustered());
        var subscribed = _membership.Subscribers;

        await rebalancer.StopAsync(Token);
        _membership.Change(Self, "silo-b.perms:50051", "silo-c.perms:50051");

        Assert.Equal(1, subscribed);
        Assert.Equal(0, _membership.Subscribers);
        Assert.Equal(keys, Active(keys));
    }
}
