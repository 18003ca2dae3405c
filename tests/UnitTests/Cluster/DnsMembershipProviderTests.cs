using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Perms.Cluster;
using Perms.UnitTests.Grains;

namespace Perms.UnitTests.Cluster;

public sealed class DnsMembershipProviderTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly FakeResolver _dns = new();
    private readonly ManualTimeProvider _clock = new();
    private readonly ListLogger<DnsMembershipProvider> _logger = new();

    [Fact]
    public async Task Start_resolves_the_name_into_the_first_view()
    {
        _dns.Answer("10.0.0.2", "10.0.0.1");
        await using var provider = Create();

        await provider.StartAsync(TestContext.Current.CancellationToken);

        Assert.Equal("perms-silo.perms.svc.cluster.local", _dns.LastHostName);
        Assert.Equal(1, provider.Current.Version);
        Assert.Equal(["10.0.0.1:7000", "10.0.0.2:7000"], provider.Current.Silos.Select(s => s.ToString()));
    }

    [Fact]
    public async Task IPv6_answers_become_plain_addresses()
    {
        _dns.Answer("fe80::1%2", "::ffff:10.0.0.7", "2001:db8::5");
        await using var provider = Create();

        await provider.StartAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["10.0.0.7:7000", "[2001:db8::5]:7000", "[fe80::1]:7000"], provider.Current.Silos.Select(s => s.ToString()));
    }

    [Fact]
    public async Task Changed_is_raised_only_when_the_set_of_silos_changes()
    {
        _dns.Answer("10.0.0.1", "10.0.0.2");
        await using var provider = Create();
        var changes = new List<ClusterView>();
        provider.Changed += (_, view) => changes.Add(view);
        await provider.StartAsync(TestContext.Current.CancellationToken);

        _dns.Answer("10.0.0.2", "10.0.0.1");
        Assert.False(await provider.RefreshAsync(TestContext.Current.CancellationToken));
        _dns.Answer("10.0.0.1", "10.0.0.2", "10.0.0.3");
        Assert.True(await provider.RefreshAsync(TestContext.Current.CancellationToken));

        Assert.Equal([1L, 2L], changes.Select(view => view.Version));
        Assert.Equal(3, changes[^1].Silos.Length);
        Assert.Same(changes[^1], provider.Current);
    }

    [Fact]
    public async Task A_failed_resolution_keeps_the_last_good_view_and_logs_it()
    {
        _dns.Answer("10.0.0.1");
        await using var provider = Create();
        await provider.StartAsync(TestContext.Current.CancellationToken);
        var good = provider.Current;

        _dns.Fail(new SocketException((int)SocketError.HostNotFound));
        Assert.False(await provider.RefreshAsync(TestContext.Current.CancellationToken));

        Assert.Same(good, provider.Current);
        Assert.Contains(_logger.Entries, entry => entry.Level == LogLevel.Warning &&
            entry.Message.Contains("perms-silo.perms.svc.cluster.local", StringComparison.Ordinal) &&
            entry.Message.Contains("10.0.0.1:7000", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_empty_answer_keeps_the_last_good_view()
    {
        _dns.Answer("10.0.0.1");
        await using var provider = Create();
        await provider.StartAsync(TestContext.Current.CancellationToken);
        var good = provider.Current;

        _dns.Answer();
        Assert.False(await provider.RefreshAsync(TestContext.Current.CancellationToken));

        Assert.Same(good, provider.Current);
        Assert.Contains(_logger.Entries, entry => entry.Message.Contains("no address", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failed_first_resolution_leaves_the_view_empty_until_one_succeeds()
    {
        _dns.Fail(new SocketException((int)SocketError.HostNotFound));
        await using var provider = Create();
        await provider.StartAsync(TestContext.Current.CancellationToken);
        Assert.Same(ClusterView.Empty, provider.Current);

        _dns.Answer("10.0.0.1");
        Assert.True(await provider.RefreshAsync(TestContext.Current.CancellationToken));
        Assert.Single(provider.Current.Silos);
    }

    [Fact]
    public async Task The_timer_resolves_again_every_interval()
    {
        _dns.Answer("10.0.0.1");
        await using var provider = Create();
        var changed = new TaskCompletionSource<ClusterView>(TaskCreationOptions.RunContinuationsAsynchronously);
        await provider.StartAsync(TestContext.Current.CancellationToken);
        provider.Changed += (_, view) => changed.TrySetResult(view);
        await WaitUntil(() => _clock.ActiveTimers == 1);

        _dns.Answer("10.0.0.1", "10.0.0.9");
        _clock.Advance(Interval - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, _dns.Lookups);
        _clock.Advance(TimeSpan.FromMilliseconds(1));

        var view = await changed.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(["10.0.0.1:7000", "10.0.0.9:7000"], view.Silos.Select(s => s.ToString()));
        Assert.Equal(2, _dns.Lookups);
    }

    [Fact]
    public async Task Dispose_stops_the_timer()
    {
        _dns.Answer("10.0.0.1");
        var provider = Create();
        await provider.StartAsync(TestContext.Current.CancellationToken);
        await WaitUntil(() => _clock.ActiveTimers == 1);

        await provider.DisposeAsync();

        Assert.Equal(0, _clock.ActiveTimers);
    }

    [Fact]
    public void Invalid_options_are_reported_together_with_their_fixes()
    {
        var options = new DnsMembershipOptions { HostName = "", Port = 0, RefreshInterval = TimeSpan.Zero };

        var exception = Assert.Throws<OptionsValidationException>(() =>
            new DnsMembershipProvider(options, NullLogger<DnsMembershipProvider>.Instance));

        Assert.Equal(3, exception.Failures.Count());
        Assert.Contains("headless Service", exception.Message, StringComparison.Ordinal);
    }

    private DnsMembershipProvider Create() => new(
        new DnsMembershipOptions { HostName = "perms-silo.perms.svc.cluster.local", Port = 7000, RefreshInterval = Interval },
        _logger,
        _clock,
        _dns.ResolveAsync);

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold within 10 seconds.");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}
