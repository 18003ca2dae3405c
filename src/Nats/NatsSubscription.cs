using System.Text;
using System.Threading.Channels;

namespace Perms.Nats;

/// <summary>
/// A subscription of a <see cref="NatsConnection"/>: its handler gets the messages one at a time, in arrival order, on
/// a background task. Dispose it to unsubscribe.
/// </summary>
public sealed class NatsSubscription : IAsyncDisposable
{
    /// <summary>The subscription whose handler the current code runs in, so that it does not wait for itself.</summary>
    private static readonly AsyncLocal<NatsSubscription?> RunningHandler = new();

    private readonly NatsConnection _connection;
    private readonly Func<NatsMsg, CancellationToken, ValueTask> _handler;
    private readonly Channel<NatsMsg> _queue;
    private readonly int _capacity;
    private readonly byte[] _subjectUtf8;
    private readonly CancellationTokenSource _stopping = new();
    private Task _handlerLoop = Task.CompletedTask;
    private long _dropped;
    private long _handlerErrors;
    private int _slowConsumerReported;
    private volatile bool _closed;

    internal NatsSubscription(NatsConnection connection, long sid, string subject, string? queueGroup, Func<NatsMsg, CancellationToken, ValueTask> handler, int capacity)
    {
        _connection = connection;
        Sid = sid;
        Subject = subject;
        QueueGroup = queueGroup;
        _handler = handler;
        _capacity = capacity;
        _subjectUtf8 = Encoding.UTF8.GetBytes(subject);
        _queue = Channel.CreateBounded<NatsMsg>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
            AllowSynchronousContinuations = false,
        });
    }

    /// <summary>The subject subscribed to (wildcards and all).</summary>
    public string Subject { get; }

    /// <summary>The queue group, or null: with one, the server gives each message to one member of the group.</summary>
    public string? QueueGroup { get; }

    /// <summary>Messages dropped because <see cref="NatsOptions.SubscriptionCapacity"/> were already waiting for the handler.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Messages received and waiting for the handler.</summary>
    public long Pending => _queue.Reader.Count;

    /// <summary>Exceptions the handler threw (each was logged; the subscription went on).</summary>
    public long HandlerErrors => Interlocked.Read(ref _handlerErrors);

    internal long Sid { get; }

    /// <summary>True while the hand-off is full: a message now would be dropped.</summary>
    internal bool IsFull => _queue.Reader.Count >= _capacity;

    /// <summary>The handler loop; ends once the subscription is stopped, or completed and emptied.</summary>
    internal Task Completion => _handlerLoop;

    /// <summary>
    /// Unsubscribes (UNSUB when connected), discards the messages still waiting, cancels the token of a running
    /// handler and waits for it to return (unless called from the handler itself). Idempotent.
    /// </summary>
    /// <returns>A task that completes once the handler is done.</returns>
    public ValueTask DisposeAsync() => _connection.UnsubscribeAsync(this);

    internal void Start()
    {
        using (ExecutionContext.SuppressFlow())
        {
            _handlerLoop = Task.Run(RunAsync);
        }
    }

    /// <summary>The subject of a received message; the subscription's own string when they are equal (no allocation).</summary>
    internal string SubjectOf(ReadOnlySpan<byte> subject) =>
        subject.SequenceEqual(_subjectUtf8) ? Subject : Encoding.UTF8.GetString(subject);

    /// <summary>Hands a message to the handler; false when the hand-off is full (a stopped subscription discards it).</summary>
    internal bool TryEnqueue(NatsMsg message) => _closed || _queue.Writer.TryWrite(message);

    /// <summary>Counts a dropped message; true for the first drop since the queue last drained (report it).</summary>
    internal bool CountDropped(out long dropped)
    {
        dropped = Interlocked.Increment(ref _dropped);
        return Interlocked.Exchange(ref _slowConsumerReported, 1) == 0;
    }

    /// <summary>Takes no more messages; the handler gets those already waiting, then its loop ends.</summary>
    internal void Complete()
    {
        _closed = true;
        _queue.Writer.TryComplete();
    }

    /// <summary>Waits for the handler loop to end (not from the handler itself).</summary>
    internal Task WaitForHandlerAsync(CancellationToken cancellationToken) =>
        RunningHandler.Value == this ? Task.CompletedTask : _handlerLoop.WaitAsync(cancellationToken);

    /// <summary>Stops at once: queued messages are discarded, a running handler's token cancelled, and awaited.</summary>
    internal async Task StopAsync()
    {
        Complete();
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        while (_queue.Reader.TryRead(out _))
        {
        }

        if (RunningHandler.Value != this)
        {
            await _handlerLoop.ConfigureAwait(false);
        }
    }

    private async Task RunAsync()
    {
        RunningHandler.Value = this;
        var reader = _queue.Reader;
        var token = _stopping.Token;
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var message))
                {
                    token.ThrowIfCancellationRequested();
                    try
                    {
                        await _handler(message, token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (token.IsCancellationRequested)
                    {
                        return;
                    }
                    catch (Exception e)
                    {
                        Interlocked.Increment(ref _handlerErrors);
                        _connection.OnHandlerFailed(this, message, e);
                    }
                }

                // Drained: the next drop is a new slow-consumer episode, reported again.
                Volatile.Write(ref _slowConsumerReported, 0);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped.
        }
    }
}
