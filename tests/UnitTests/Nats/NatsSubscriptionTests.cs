using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Perms.Nats;

namespace Perms.UnitTests.Nats;

/// <summary>Subscriptions against a fake server: the bounded hand-off, handler failures, UNSUB and drain.</summary>
public sealed class NatsSubscriptionTests : IDisposable
{
    private readonly FakeNatsHarness _harness = new();
    private readonly Channel<NatsMsg> _received = Channel.CreateUnbounded<NatsMsg>();

    private CancellationToken Token => _harness.Token;

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task A_blocked_handler_makes_the_subscription_drop_count_and_report_once_per_episode()
    {
        const int Capacity = 4;
        var started = new SemaphoreSlim(0);
        var release = new TaskCompletionSource();
        var handled = 0;
        var reports = new ConcurrentQueue<NatsSlowConsumerEventArgs>();
        await using var connection = _harness.CreateConnection(o => o.SubscriptionCapacity = Capacity);
        connection.SlowConsumer += (_, e) => reports.Enqueue(e);
        await using var subscription = await connection.SubscribeAsync(
            "slow",
            async (_, cancellationToken) =>
            {
                started.Release();
                await release.Task.WaitAsync(cancellationToken);
                Interlocked.Increment(ref handled);
            },
            cancellationToken: Token);
        using var peer = await _harness.ConnectAsync(connection);

        await peer.SendAsync("MSG slow 1 1\r\nx\r\n", Token);
        await started.WaitAsync(Token);
        await peer.SendAsync(string.Concat(Enumerable.Repeat("MSG slow 1 1\r\nx\r\n", 19)), Token);
        await _harness.WaitUntilAsync(() => connection.Statistics.MessagesIn == 20, "20 messages were read");

        Assert.Equal(15, subscription.Dropped);
        Assert.Equal(Capacity, subscription.Pending);
        Assert.Equal(15, connection.Statistics.MessagesDropped);
        var report = Assert.Single(reports);
        Assert.Equal(("slow", 1L), (report.Subject, report.Dropped));
        Assert.Single(_harness.Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("slow consumer", StringComparison.Ordinal));

        release.SetResult();
        await _harness.WaitUntilAsync(() => Volatile.Read(ref handled) == 1 + Capacity && subscription.Pending == 0, "the queued messages are handled");
        await Task.Delay(50, Token);
        Assert.Equal(1 + Capacity, Volatile.Read(ref handled));

        var blockAgain = new TaskCompletionSource();
        release = blockAgain;
        await peer.SendAsync(string.Concat(Enumerable.Repeat("MSG slow 1 1\r\nx\r\n", 1 + Capacity + 3)), Token);
        await _harness.WaitUntilAsync(() => reports.Count == 2, "the second episode is reported");
        blockAgain.SetResult();
    }

    [Fact]
    public async Task A_throwing_handler_is_logged_and_counted_and_the_subscription_goes_on()
    {
        await using var connection = _harness.CreateConnection();
        await using var subscription = await connection.SubscribeAsync(
            "a",
            async (message, cancellationToken) =>
            {
                if (message.Data.Span[0] == (byte)'!')
                {
                    throw new InvalidOperationException("boom");
                }

                await _received.Writer.WriteAsync(message, cancellationToken);
            },
            cancellationToken: Token);
        using var peer = await _harness.ConnectAsync(connection);

        await peer.SendAsync("MSG a 1 1\r\n!\r\nMSG a 1 1\r\nk\r\n", Token);

        Assert.Equal("k", Encoding.UTF8.GetString((await _harness.ReceiveAsync(_received)).Data.Span));
        Assert.Equal(1, subscription.HandlerErrors);
        Assert.Equal(1, connection.Statistics.HandlerErrors);
        var logged = Assert.Single(_harness.Logs.Entries, e => e.Level == LogLevel.Error);
        Assert.IsType<InvalidOperationException>(logged.Exception);
    }

    [Fact]
    public async Task Subscribing_when_connected_sends_SUB_and_waits_for_the_server_and_disposing_sends_UNSUB()
    {
        await using var connection = _harness.CreateConnection();
        using var peer = await _harness.ConnectAsync(connection);

        var subscribe = connection.SubscribeAsync("jobs", FakeNatsHarness.Into(_received), "workers", Token).AsTask();
        Assert.Equal("SUB jobs workers 1", await peer.ReadLineAsync(Token));
        Assert.Equal("PING", await peer.ReadLineAsync(Token));
        Assert.False(subscribe.IsCompleted);
        await peer.SendAsync("PONG\r\n", Token);
        var subscription = await subscribe;
        Assert.Equal(("jobs", "workers"), (subscription.Subject, subscription.QueueGroup));

        await subscription.DisposeAsync();
        await subscription.DisposeAsync();

        Assert.Equal("UNSUB 1", await peer.ReadLineAsync(Token));
    }

    [Fact]
    public async Task Disposing_a_subscription_cancels_its_running_handler_and_waits_for_it()
    {
        var started = new TaskCompletionSource();
        var cancelled = false;
        await using var connection = _harness.CreateConnection();
        var subscription = await connection.SubscribeAsync(
            "a",
            async (_, cancellationToken) =>
            {
                started.SetResult();
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    await Task.Delay(50, CancellationToken.None);
                    cancelled = true;
                    throw;
                }
            },
            cancellationToken: Token);
        using var peer = await _harness.ConnectAsync(connection);
        await peer.SendAsync("MSG a 1 1\r\nx\r\n", Token);
        await started.Task.WaitAsync(Token);

        await subscription.DisposeAsync();

        Assert.True(cancelled);
        Assert.Equal(0, subscription.HandlerErrors);
    }

    [Fact]
    public async Task A_handler_can_dispose_its_own_subscription()
    {
        await using var connection = _harness.CreateConnection();
        NatsSubscription? self = null;
        var disposed = new TaskCompletionSource();
        self = await connection.SubscribeAsync(
            "a",
            async (_, _) =>
            {
                await self!.DisposeAsync();
                disposed.SetResult();
            },
            cancellationToken: Token);
        using var peer = await _harness.ConnectAsync(connection);

        await peer.SendAsync("MSG a 1 1\r\nx\r\n", Token);

        await disposed.Task.WaitAsync(Token);
        Assert.Equal("UNSUB 1", await peer.ReadLineAsync(Token));
    }

    [Fact]
    public async Task Drain_unsubscribes_lets_the_handlers_finish_the_queued_messages_and_closes()
    {
        var release = new TaskCompletionSource();
        var handled = new ConcurrentQueue<string>();
        await using var connection = _harness.CreateConnection();
        await using var subscription = await connection.SubscribeAsync(
            "a",
            async (message, cancellationToken) =>
            {
                await release.Task.WaitAsync(cancellationToken);
                handled.Enqueue(Encoding.UTF8.GetString(message.Data.Span));
            },
            cancellationToken: Token);
        using var peer = await _harness.ConnectAsync(connection);
        await peer.SendAsync("MSG a 1 1\r\n1\r\nMSG a 1 1\r\n2\r\nMSG a 1 1\r\n3\r\n", Token);
        await _harness.WaitUntilAsync(() => connection.Statistics.MessagesIn == 3, "3 messages were read");

        var drain = connection.DrainAsync(Token);
        Assert.Equal("UNSUB 1", await peer.ReadLineAsync(Token));
        Assert.Equal("PING", await peer.ReadLineAsync(Token));
        await peer.SendAsync("MSG a 1 1\r\n4\r\nPONG\r\n", Token);
        await Task.Delay(50, Token);
        Assert.False(drain.IsCompleted);
        release.SetResult();
        await drain;

        Assert.Equal(["1", "2", "3", "4"], handled);
        Assert.Equal(NatsConnectionState.Closed, connection.State);
        Assert.True(await peer.WaitForCloseAsync(Token));
    }

    [Fact]
    public async Task Drain_gives_up_on_slow_handlers_when_its_token_is_cancelled_and_still_closes()
    {
        await using var connection = _harness.CreateConnection();
        await using var subscription = await connection.SubscribeAsync("a", (_, cancellationToken) => new ValueTask(Task.Delay(Timeout.Infinite, cancellationToken)), cancellationToken: Token);
        using var peer = await _harness.ConnectAsync(connection);
        await peer.SendAsync("MSG a 1 1\r\n1\r\n", Token);
        await _harness.WaitUntilAsync(() => connection.Statistics.MessagesIn == 1, "the message was read");
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(Token);

        var drain = connection.DrainAsync(bound.Token);
        Assert.Equal("UNSUB 1", await peer.ReadLineAsync(Token));
        Assert.Equal("PING", await peer.ReadLineAsync(Token));
        await peer.SendAsync("PONG\r\n", Token);
        await bound.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => drain);
        Assert.Equal(NatsConnectionState.Closed, connection.State);
    }
}
