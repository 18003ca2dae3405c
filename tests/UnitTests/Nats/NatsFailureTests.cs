using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Perms.Nats;

namespace Perms.UnitTests.Nats;

/// <summary>What the client does when the server misbehaves, errs, goes quiet or goes away: log, reconnect, subscribe again.</summary>
public sealed class NatsFailureTests : IDisposable
{
    private readonly FakeNatsHarness _harness = new();
    private readonly Channel<NatsMsg> _received = Channel.CreateUnbounded<NatsMsg>();
    private readonly ConcurrentQueue<NatsStateChangedEventArgs> _changes = new();

    private CancellationToken Token => _harness.Token;

    public void Dispose() => _harness.Dispose();

    [Theory]
    [InlineData("FOO bar")]
    [InlineData("MSG a 1")]
    [InlineData("MSG a x 1")]
    [InlineData("MSG a 1 -1")]
    [InlineData("HMSG a 1 10 5")]
    [InlineData("PINGPONG")]
    public async Task A_malformed_line_is_logged_and_the_connection_is_made_again_with_its_subscriptions(string line)
    {
        await using var connection = _harness.CreateConnection();
        connection.StateChanged += (_, e) => _changes.Enqueue(e);
        await using var subscription = await connection.SubscribeAsync("orders.>", FakeNatsHarness.Into(_received), "workers", Token);
        using var first = await _harness.ConnectAsync(connection);
        Assert.Equal("SUB orders.> workers 1", Assert.Single(first.HandshakeLines));

        await first.SendAsync(line + "\r\n", Token);
        using var second = await _harness.Server.AcceptConnectedAsync(Token);

        Assert.StartsWith("{", second.Connect, StringComparison.Ordinal);
        Assert.Equal("SUB orders.> workers 1", Assert.Single(second.HandshakeLines));
        var logged = Assert.Single(_harness.Logs.Entries, e => e.Level == LogLevel.Error && e.Message.Contains(line, StringComparison.Ordinal));
        Assert.Contains("broke the protocol", logged.Message, StringComparison.Ordinal);
        await _harness.WaitUntilAsync(() => _changes.Any(c => c.IsReconnect), "reconnected");
        var reconnecting = Assert.Single(_changes, c => c.Current == NatsConnectionState.Reconnecting);
        Assert.IsType<NatsProtocolException>(reconnecting.Error);
        await second.SendAsync("MSG orders.paid 1 2\r\nok\r\n", Token);
        Assert.Equal("orders.paid", (await _harness.ReceiveAsync(_received)).Subject);
        Assert.Equal(1, connection.Statistics.Reconnects);
        Assert.Equal(1, connection.Statistics.Disconnects);
    }

    [Fact]
    public async Task A_payload_longer_than_its_announced_size_is_malformed()
    {
        await using var connection = _harness.CreateConnection();
        await using var subscription = await connection.SubscribeAsync("a", FakeNatsHarness.Into(_received), cancellationToken: Token);
        using var first = await _harness.ConnectAsync(connection);

        await first.SendAsync("MSG a 1 3\r\nhello\r\n", Token);
        using var second = await _harness.Server.AcceptConnectedAsync(Token);

        Assert.Contains(_harness.Logs.Entries, e => e.Message.Contains("size does not match", StringComparison.Ordinal) && e.Message.Contains("MSG a 1 3", StringComparison.Ordinal));
        Assert.Equal(0, _received.Reader.Count);
    }

    [Fact]
    public async Task A_very_long_line_is_cut_in_the_log()
    {
        await using var connection = _harness.CreateConnection();
        using var first = await _harness.ConnectAsync(connection);

        await first.SendAsync("-" + new string('x', 5000) + "\r\n", Token);
        using var second = await _harness.Server.AcceptConnectedAsync(Token);

        var logged = Assert.Single(_harness.Logs.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("xxxx", StringComparison.Ordinal));
        Assert.InRange(logged.Message.Length, 100, 1000);
    }

    [Fact]
    public async Task A_permissions_violation_is_logged_and_the_connection_stays_open()
    {
        await using var connection = _harness.CreateConnection();
        connection.StateChanged += (_, e) => _changes.Enqueue(e);
        await using var subscription = await connection.SubscribeAsync("a", FakeNatsHarness.Into(_received), cancellationToken: Token);
        using var peer = await _harness.ConnectAsync(connection);

        await peer.SendAsync("-ERR 'Permissions Violation for Publish to \"secret\"'\r\nMSG a 1 1\r\nx\r\n", Token);

        Assert.Equal("x", System.Text.Encoding.UTF8.GetString((await _harness.ReceiveAsync(_received)).Data.Span));
        Assert.Contains(_harness.Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("Permissions Violation", StringComparison.Ordinal));
        Assert.Equal(NatsConnectionState.Connected, connection.State);
        Assert.Equal(NatsConnectionState.Connected, _changes.Last().Current);
        Assert.Equal(0, connection.Statistics.Disconnects);
    }

    [Fact]
    public async Task A_refused_subscription_is_an_error_in_the_log_saying_its_messages_will_not_arrive()
    {
        await using var connection = _harness.CreateConnection();
        await using var subscription = await connection.SubscribeAsync("a", FakeNatsHarness.Into(_received), cancellationToken: Token);
        using var peer = await _harness.ConnectAsync(connection);

        await peer.SendAsync("-ERR 'Permissions Violation for Subscription to \"team.>\"'\r\nMSG a 1 1\r\nx\r\n", Token);

        Assert.Equal("x", System.Text.Encoding.UTF8.GetString((await _harness.ReceiveAsync(_received)).Data.Span));
        Assert.Contains(_harness.Logs.Entries, e => e.Level == LogLevel.Error
            && e.Message.Contains("Permissions Violation for Subscription to \"team.>\"", StringComparison.Ordinal)
            && e.Message.Contains("will not arrive", StringComparison.Ordinal));
        Assert.DoesNotContain(_harness.Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("team.>", StringComparison.Ordinal));
        Assert.Equal(NatsConnectionState.Connected, connection.State);
    }

    [Fact]
    public async Task An_error_that_closes_the_connection_makes_it_reconnect_and_reports_the_error()
    {
        await using var connection = _harness.CreateConnection();
        connection.StateChanged += (_, e) => _changes.Enqueue(e);
        using var first = await _harness.ConnectAsync(connection);

        await first.SendAsync("-ERR 'Stale Connection'\r\n", Token);
        using var second = await _harness.Server.AcceptConnectedAsync(Token);
        await _harness.WaitUntilAsync(() => _changes.Any(c => c.IsReconnect), "reconnected");

        var reconnecting = Assert.Single(_changes, c => c.Current == NatsConnectionState.Reconnecting);
        Assert.Equal((NatsConnectionState.Connected, NatsConnectionState.Reconnecting), (reconnecting.Previous, reconnecting.Current));
        Assert.Equal("Stale Connection", Assert.IsType<NatsServerErrorException>(reconnecting.Error).ServerMessage);
        Assert.True(_changes.Last().IsReconnect);
    }

    [Fact]
    public async Task A_server_PING_is_answered_with_PONG()
    {
        await using var connection = _harness.CreateConnection();
        using var peer = await _harness.ConnectAsync(connection);

        await peer.SendAsync("PING\r\n", Token);

        Assert.Equal("PONG", await peer.ReadLineAsync(Token));
    }

    [Fact]
    public async Task Unanswered_PINGs_make_the_connection_reconnect()
    {
        await using var connection = _harness.CreateConnection(o => (o.PingInterval, o.MaxPingsOutstanding) = (TimeSpan.FromMilliseconds(50), 2));
        connection.StateChanged += (_, e) => _changes.Enqueue(e);
        await using var subscription = await connection.SubscribeAsync("a", FakeNatsHarness.Into(_received), cancellationToken: Token);
        using var silent = await _harness.ConnectAsync(connection);

        Assert.Equal("PING", await silent.ReadLineAsync(Token));
        Assert.Equal("PING", await silent.ReadLineAsync(Token));
        Assert.True(await silent.WaitForCloseAsync(Token));
        using var second = await _harness.Server.AcceptConnectedAsync(Token);

        Assert.Equal("SUB a 1", Assert.Single(second.HandshakeLines));
        var reconnecting = Assert.Single(_changes, c => c.Current == NatsConnectionState.Reconnecting);
        Assert.Contains("PING", reconnecting.Error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Answered_PINGs_keep_the_connection()
    {
        await using var connection = _harness.CreateConnection(o => (o.PingInterval, o.MaxPingsOutstanding) = (TimeSpan.FromMilliseconds(100), 5));
        using var peer = await _harness.ConnectAsync(connection);

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("PING", await peer.ReadLineAsync(Token));
            await peer.SendAsync("PONG\r\n", Token);
        }

        Assert.Equal(NatsConnectionState.Connected, connection.State);
        Assert.Equal(0, connection.Statistics.Disconnects);
    }

    [Fact]
    public async Task Connected_after_a_reconnect_is_raised_only_once_the_subscriptions_were_sent_and_the_PONG_came()
    {
        await using var connection = _harness.CreateConnection();
        connection.StateChanged += (_, e) => _changes.Enqueue(e);
        await using var subscription = await connection.SubscribeAsync("a", FakeNatsHarness.Into(_received), cancellationToken: Token);
        using (var first = await _harness.ConnectAsync(connection))
        {
            // The server goes away.
        }

        using var second = await _harness.Server.AcceptAsync(Token);
        await second.ReadHandshakeAsync(Token);
        Assert.Equal("SUB a 1", Assert.Single(second.HandshakeLines));
        await Task.Delay(100, Token);
        Assert.Equal(NatsConnectionState.Reconnecting, connection.State);
        Assert.DoesNotContain(_changes, c => c.IsReconnect);

        await second.SendAsync("PONG\r\n", Token);
        await _harness.WaitUntilAsync(() => _changes.Any(c => c.IsReconnect), "Connected is raised");

        Assert.Equal(
            [(NatsConnectionState.Disconnected, NatsConnectionState.Connecting), (NatsConnectionState.Connecting, NatsConnectionState.Connected), (NatsConnectionState.Connected, NatsConnectionState.Reconnecting), (NatsConnectionState.Reconnecting, NatsConnectionState.Connected)],
            _changes.Select(c => (c.Previous, c.Current)));
        Assert.Equal([false, false, false, true], _changes.Select(c => c.IsReconnect));
    }

    [Fact]
    public async Task Several_servers_are_tried_in_turn()
    {
        using var other = new FakeNatsServer();
        var down = _harness.Server.Url;
        _harness.Server.Dispose();
        await using var connection = _harness.CreateConnection(o => o.Servers = [down, other.Url]);

        var connect = connection.ConnectAsync(Token);
        using var peer = await other.AcceptConnectedAsync(Token);
        await connect;

        Assert.Equal(NatsConnectionState.Connected, connection.State);
        Assert.Contains(_harness.Logs.Entries, e => e.Message.Contains(down.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
    }

    [Fact]
    public async Task DisposeAsync_closes_the_socket_is_idempotent_and_ends_Closed()
    {
        var connection = _harness.CreateConnection();
        connection.StateChanged += (_, e) => _changes.Enqueue(e);
        using var peer = await _harness.ConnectAsync(connection);

        await connection.DisposeAsync();
        await connection.DisposeAsync();

        Assert.True(await peer.WaitForCloseAsync(Token));
        Assert.Equal(NatsConnectionState.Closed, connection.State);
        Assert.Equal(NatsConnectionState.Closed, _changes.Last().Current);
        Assert.Single(_changes, c => c.Current == NatsConnectionState.Closed);
        Assert.DoesNotContain(_changes, c => c.Current == NatsConnectionState.Reconnecting);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => connection.ConnectAsync(Token));
    }

    [Fact]
    public async Task DisposeAsync_while_connecting_fails_the_waiting_ConnectAsync()
    {
        var connection = _harness.CreateConnection();
        var connect = connection.ConnectAsync(Token);
        using var peer = await _harness.Server.AcceptAsync(Token);

        await connection.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => connect);
        Assert.Equal(NatsConnectionState.Closed, connection.State);
    }
}
