using System.Collections.Concurrent;
using System.Threading.Channels;
using Perms.IntegrationTests.Infrastructure;
using Perms.Nats;

namespace Perms.IntegrationTests.Nats;

/// <summary>
/// A private nats-server restarted, killed or frozen under a connected subscriber: the client notices, reconnects,
/// subscribes again, says so only once the subscription is active, and messages flow again.
/// </summary>
[Trait("Category", "Integration")]
public sealed class NatsReconnectTests : IDisposable
{
    private readonly CancellationTokenSource _timeout = NatsTesting.Timeout();
    private readonly Channel<NatsMsg> _received = Channel.CreateUnbounded<NatsMsg>();
    private readonly ConcurrentQueue<NatsStateChangedEventArgs> _changes = new();
    private readonly TaskCompletionSource<NatsStateChangedEventArgs> _reconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CancellationToken Token => _timeout.Token;

    public void Dispose() => _timeout.Dispose();

    [Fact]
    public async Task Reconnects_and_resubscribes_after_the_server_restarts()
    {
        await using var server = await NatsServerProcess.StartAsync();
        await using var subscriber = await SubscribeAsync(server.Url);

        await server.StopAsync();
        await server.StartAgainAsync();

        await AssertReconnectedAndFlowingAsync(server.Url, subscriber);
    }

    [Fact]
    public async Task Reconnects_and_resubscribes_after_the_server_is_killed_and_started_again_on_the_same_port()
    {
        await using var server = await NatsServerProcess.StartAsync();
        await using var subscriber = await SubscribeAsync(server.Url);

        await server.KillAsync();
        await NatsTesting.WaitUntilAsync(() => subscriber.State == NatsConnectionState.Reconnecting, "the subscriber notices", Token);
        await server.StartAgainAsync();

        await AssertReconnectedAndFlowingAsync(server.Url, subscriber);
    }

    [Fact]
    public async Task A_frozen_server_is_noticed_by_unanswered_PINGs_and_the_connection_recovers_when_it_thaws()
    {
        await using var server = await NatsServerProcess.StartAsync();
        await using var subscriber = await SubscribeAsync(server.Url, o => (o.PingInterval, o.MaxPingsOutstanding) = (TimeSpan.FromMilliseconds(500), 2));

        await server.SuspendAsync();
        try
        {
            await NatsTesting.WaitUntilAsync(() => subscriber.State == NatsConnectionState.Reconnecting, "unanswered PINGs end the connection", Token);
        }
        finally
        {
            await server.ResumeAsync();
        }

        var reconnecting = Assert.Single(_changes, c => c.Current == NatsConnectionState.Reconnecting);
        Assert.Contains("PING", reconnecting.Error?.Message, StringComparison.Ordinal);
        await AssertReconnectedAndFlowingAsync(server.Url, subscriber);
    }

    private async Task<NatsConnection> SubscribeAsync(Uri server, Action<NatsOptions>? configure = null)
    {
        var subscriber = new NatsConnection(NatsTesting.Options(server, configure));
        subscriber.StateChanged += (_, e) =>
        {
            _changes.Enqueue(e);
            if (e.IsReconnect)
            {
                _reconnected.TrySetResult(e);
            }
        };
        await subscriber.SubscribeAsync("reconnect.>", NatsTesting.Into(_received), cancellationToken: Token);
        await subscriber.ConnectAsync(Token);
        await NatsTesting.PublishOnceAsync(server, "reconnect.before", "before", Token);
        Assert.Equal("before", await NatsTesting.ReceiveTextAsync(_received, Token));
        return subscriber;
    }

    private async Task AssertReconnectedAndFlowingAsync(Uri server, NatsConnection subscriber)
    {
        var reconnected = await _reconnected.Task.WaitAsync(Token);

        // Connected(IsReconnect) promises an active subscription: a message published from now on must arrive.
        await NatsTesting.PublishOnceAsync(server, "reconnect.after", "after", Token);
        Assert.Equal("after", await NatsTesting.ReceiveTextAsync(_received, Token));
        Assert.Equal(NatsConnectionState.Connected, subscriber.State);
        Assert.Equal((NatsConnectionState.Reconnecting, NatsConnectionState.Connected), (reconnected.Previous, reconnected.Current));
        Assert.Equal(
            [NatsConnectionState.Connecting, NatsConnectionState.Connected, NatsConnectionState.Reconnecting, NatsConnectionState.Connected],
            _changes.Select(c => c.Current));
        Assert.Equal(1, subscriber.Statistics.Reconnects);
        Assert.Equal(1, subscriber.Statistics.Disconnects);
    }
}
