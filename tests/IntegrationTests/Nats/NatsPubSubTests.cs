using System.Text;
using System.Threading.Channels;
using Perms.IntegrationTests.Infrastructure;
using Perms.Nats;

namespace Perms.IntegrationTests.Nats;

/// <summary>Publish and subscribe through the shared nats-server.</summary>
[Trait("Category", "Integration")]
public sealed class NatsPubSubTests : IDisposable
{
    private readonly CancellationTokenSource _timeout = NatsTesting.Timeout();
    private readonly string _subject = $"pubsub.{Guid.NewGuid():N}";

    private CancellationToken Token => _timeout.Token;

    public void Dispose() => _timeout.Dispose();

    [Fact]
    public async Task A_message_makes_the_round_trip_through_the_server()
    {
        var received = Channel.CreateUnbounded<NatsMsg>();
        await using var subscriber = await NatsTesting.ConnectAsync(TestEnvironment.NatsUrl, Token);
        await using var subscription = await subscriber.SubscribeAsync(_subject + ".*", NatsTesting.Into(received), cancellationToken: Token);
        await using var publisher = await NatsTesting.ConnectAsync(TestEnvironment.NatsUrl, Token);

        await publisher.PublishAsync(_subject + ".created", "hello"u8.ToArray(), cancellationToken: Token);

        var message = await received.Reader.ReadAsync(Token);
        Assert.Equal(_subject + ".created", message.Subject);
        Assert.Equal("hello", Encoding.UTF8.GetString(message.Data.Span));
        Assert.Null(message.Headers);
        Assert.StartsWith("2.", subscriber.ServerInfo?.Version, StringComparison.Ordinal);
        Assert.True(subscriber.ServerInfo?.Headers);
    }

    [Fact]
    public async Task Headers_make_the_round_trip_through_the_server()
    {
        var received = Channel.CreateUnbounded<NatsMsg>();
        await using var subscriber = await NatsTesting.ConnectAsync(TestEnvironment.NatsUrl, Token);
        await using var subscription = await subscriber.SubscribeAsync(_subject, NatsTesting.Into(received), cancellationToken: Token);
        await using var publisher = await NatsTesting.ConnectAsync(TestEnvironment.NatsUrl, Token);
        var headers = new NatsHeaders { { "Trace-Id", "abc" }, { "Tag", "one" }, { "Tag", "two" } };

        await publisher.PublishAsync(_subject, "body"u8.ToArray(), headers, Token);
        await publisher.PublishAsync(_subject, ReadOnlyMemory<byte>.Empty, new NatsHeaders(), Token);

        var message = await received.Reader.ReadAsync(Token);
        Assert.Equal("body", Encoding.UTF8.GetString(message.Data.Span));
        Assert.Equal(["abc"], message.Headers?["Trace-Id"]);
        Assert.Equal(["one", "two"], message.Headers?["Tag"]);
        var empty = await received.Reader.ReadAsync(Token);
        Assert.True(empty.Data.IsEmpty);
        Assert.Equal(0, empty.Headers?.Count);
    }

    [Fact]
    public async Task A_queue_group_gives_each_message_to_one_member()
    {
        const int Count = 200;
        var first = 0;
        var second = 0;
        await using var one = await NatsTesting.ConnectAsync(TestEnvironment.NatsUrl, Token);
        await using var two = await NatsTesting.ConnectAsync(TestEnvironment.NatsUrl, Token);
        await using var a = await one.SubscribeAsync(_subject, (_, _) => Increment(ref first), "workers", Token);
        await using var b = await two.SubscribeAsync(_subject, (_, _) => Increment(ref second), "workers", Token);
        await using var publisher = await NatsTesting.ConnectAsync(TestEnvironment.NatsUrl, Token);

        for (var i = 0; i < Count; i++)
        {
            await publisher.PublishAsync(_subject, new byte[1], cancellationToken: Token);
        }

        await publisher.FlushAsync(Token);
        await NatsTesting.WaitUntilAsync(() => Volatile.Read(ref first) + Volatile.Read(ref second) == Count, "every message was handled once", Token);
        await Task.Delay(100, Token);

        Assert.Equal(Count, Volatile.Read(ref first) + Volatile.Read(ref second));

        static ValueTask Increment(ref int counter)
        {
            Interlocked.Increment(ref counter);
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task The_servers_max_payload_is_enforced_before_sending()
    {
        await using var publisher = await NatsTesting.ConnectAsync(TestEnvironment.NatsUrl, Token);
        var max = publisher.ServerInfo!.MaxPayload;

        await publisher.PublishAsync(_subject, new byte[max], cancellationToken: Token);
        var error = await Assert.ThrowsAsync<NatsException>(() => publisher.PublishAsync(_subject, new byte[max + 1], cancellationToken: Token).AsTask());
        await publisher.FlushAsync(Token);

        Assert.Contains($"{max + 1} bytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(NatsConnectionState.Connected, publisher.State);
    }
}
