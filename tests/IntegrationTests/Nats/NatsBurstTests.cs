using System.Buffers.Binary;
using Perms.IntegrationTests.Infrastructure;
using Perms.Nats;

namespace Perms.IntegrationTests.Nats;

/// <summary>A million messages from one connection to a subscription of another, through the shared nats-server.</summary>
[Trait("Category", "Integration")]
public sealed class NatsBurstTests : IDisposable
{
    private const int Count = 1_000_000;

    private readonly CancellationTokenSource _timeout = NatsTesting.Timeout();
    private readonly string _subject = $"burst.{Guid.NewGuid():N}"[..14];

    private CancellationToken Token => _timeout.Token;

    public void Dispose() => _timeout.Dispose();

    [Fact]
    public async Task A_burst_of_a_million_messages_arrives_complete_and_in_order()
    {
        long received = 0;
        long outOfOrder = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscriber = new NatsConnection(NatsTesting.Options(TestEnvironment.NatsUrl, o => o.SubscriptionCapacity = Count));
        await using var subscription = await subscriber.SubscribeAsync(
            _subject,
            (message, _) =>
            {
                if (BinaryPrimitives.ReadInt64LittleEndian(message.Data.Span) != received)
                {
                    outOfOrder++;
                }

                if (++received == Count)
                {
                    done.SetResult();
                }

                return ValueTask.CompletedTask;
            },
            cancellationToken: Token);
        await subscriber.ConnectAsync(Token);

        await PublishBurstAsync();
        await done.Task.WaitAsync(Token);

        Assert.Equal(0, outOfOrder);
        Assert.Equal(0, subscription.Dropped);
        Assert.Equal(Count, subscriber.Statistics.MessagesIn);
        Assert.Equal(0, subscriber.Statistics.Disconnects);
    }

    [Fact]
    public async Task A_burst_into_a_small_hand_off_drops_exactly_what_was_not_received()
    {
        const int Capacity = 1000;
        long handled = 0;
        var slowConsumerReports = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscriber = new NatsConnection(NatsTesting.Options(TestEnvironment.NatsUrl, o => o.SubscriptionCapacity = Capacity));
        subscriber.SlowConsumer += (_, _) => Interlocked.Increment(ref slowConsumerReports);
        await using var subscription = await subscriber.SubscribeAsync(
            _subject,
            async (_, cancellationToken) =>
            {
                await gate.Task.WaitAsync(cancellationToken);
                Interlocked.Increment(ref handled);
            },
            cancellationToken: Token);
        await subscriber.ConnectAsync(Token);

        await PublishBurstAsync();
        await NatsTesting.WaitUntilAsync(() => subscriber.Statistics.MessagesIn == Count, "every message was read", Token);
        gate.SetResult();
        await NatsTesting.WaitUntilAsync(() => Interlocked.Read(ref handled) + subscription.Dropped == Count, "every message was handled or dropped", Token);

        Assert.Equal(Count - Interlocked.Read(ref handled), subscription.Dropped);
        Assert.Equal(subscription.Dropped, subscriber.Statistics.MessagesDropped);
        Assert.InRange(Interlocked.Read(ref handled), Capacity, Capacity + 1);
        Assert.Equal(0, subscription.Pending);
        Assert.Equal(1, Volatile.Read(ref slowConsumerReports));
    }

    private async Task PublishBurstAsync()
    {
        await using var publisher = await NatsTesting.ConnectAsync(TestEnvironment.NatsUrl, Token);
        var payload = new byte[8];
        for (long i = 0; i < Count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(payload, i);
            await publisher.PublishAsync(_subject, payload, cancellationToken: Token);
        }

        await publisher.FlushAsync(Token);
        Assert.Equal(Count, publisher.Statistics.MessagesOut);
    }
}
