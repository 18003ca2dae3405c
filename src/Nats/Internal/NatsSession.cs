using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Perms.Nats.Internal;

/// <summary>
/// One connection to one server, from CONNECT until it fails: a reader loop (socket → subscriptions, never waiting for
/// a handler), a writer loop (one batch per socket write, whatever accumulated meanwhile) and a PING loop (liveness).
/// The first failure anywhere ends all three and closes the socket.
/// </summary>
internal sealed class NatsSession
{
    /// <summary>Publishers wait while this much is queued for the socket.</summary>
    private const int HighWaterMark = 1024 * 1024;

    private const int InitialBufferSize = 64 * 1024;

    /// <summary>A buffer grown past this by a large message is not kept for the next batch.</summary>
    private const int MaxRetainedBufferSize = 4 * HighWaterMark;

    /// <summary>NATS' own ceiling for max_payload; a MSG larger than both it and the server's limit is garbage.</summary>
    private const int MaxMessageSizeFloor = 64 * 1024 * 1024;

    private readonly NatsConnection _connection;
    private readonly NatsTransport _transport;
    private readonly NatsParser _parser;
    private readonly Lock _writeLock = new();
    private readonly SemaphoreSlim _writeSignal = new(0, 1);
    private readonly Queue<TaskCompletionSource?> _pongWaiters = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource<Exception> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ArrayBufferWriter<byte> _pending = new(InitialBufferSize);
    private ArrayBufferWriter<byte> _spare = new(InitialBufferSize);
    private TaskCompletionSource? _drained;
    private bool _writerSignaled;
    private bool _failed;
    private Exception? _error;
    private int _pingsOutstanding;
    private int _receivedSinceTick;

    public NatsSession(NatsConnection connection, Uri server, NatsTransport transport, NatsParser parser)
    {
        _connection = connection;
        Server = server;
        _transport = transport;
        _parser = parser;
        Info = transport.Info;
    }

    public Uri Server { get; }

    /// <summary>The server's latest INFO on this connection.</summary>
    public NatsServerInfo Info { get; set; }

    /// <summary>Completes with what ended the session, once its loops have stopped and the socket is closed.</summary>
    public Task<Exception> Ended => _ended.Task;

    public bool IsFailed => Volatile.Read(ref _error) is not null;

    /// <summary>Starts the reader, writer and PING loops.</summary>
    public void Start(TimeSpan pingInterval, int maxPingsOutstanding, TimeProvider timeProvider) =>
        _ = RunAsync(pingInterval, maxPingsOutstanding, timeProvider);

    /// <summary>Ends the session (only the first call counts); <see cref="Ended"/> completes once everything stopped.</summary>
    public void Fail(Exception error)
    {
        if (Interlocked.CompareExchange(ref _error, error, null) is not null)
        {
            return;
        }

        TaskCompletionSource?[] waiters;
        TaskCompletionSource? drained;
        lock (_writeLock)
        {
            _failed = true;
            waiters = [.. _pongWaiters];
            _pongWaiters.Clear();
            drained = _drained;
            _drained = null;
        }

        var lost = Lost();
        foreach (var waiter in waiters)
        {
            if (waiter is not null)
            {
                waiter.TrySetException(lost);

                // A waiter whose caller stopped waiting (its token) is never awaited again.
                _ = waiter.Task.Exception;
            }
        }

        drained?.TrySetResult();
        _closing.Cancel();
        _transport.Abort();
    }

    public void EnqueueConnect(NatsConnectCredentials credentials, string name)
    {
        lock (_writeLock)
        {
            if (!_failed)
            {
                NatsProtocolWriter.WriteConnect(_pending, credentials, name, _transport.IsTls);
                SignalWriter();
            }
        }
    }

    public void EnqueueSubscribe(NatsSubscription subscription)
    {
        lock (_writeLock)
        {
            if (!_failed)
            {
                NatsProtocolWriter.WriteSubscribe(_pending, subscription.Subject, subscription.QueueGroup, subscription.Sid);
                SignalWriter();
            }
        }
    }

    public void EnqueueUnsubscribe(long sid)
    {
        lock (_writeLock)
        {
            if (!_failed)
            {
                NatsProtocolWriter.WriteUnsubscribe(_pending, sid);
                SignalWriter();
            }
        }
    }

    /// <summary>Sends PING and waits for its PONG: everything written before has reached the server.</summary>
    public Task PingAsync(CancellationToken cancellationToken)
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        EnqueuePing(waiter);
        return waiter.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Queues PUB/HPUB; waits only while a megabyte is already queued for the socket.</summary>
    public ValueTask PublishAsync(string subject, string? replyTo, NatsHeaders? headers, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var info = Info;
        if (headers is not null && !info.Headers)
        {
            throw new NatsException($"NATS server {NatsTransport.Display(Server)} does not support headers (its INFO says so); publish without headers, or use nats-server 2.2 or later.");
        }

        var headerSize = headers?.GetEncodedLength() ?? 0;
        var size = (long)headerSize + payload.Length;
        if (size > info.MaxPayload)
        {
            throw new NatsException(
                $"The message is {size} bytes (payload and headers), more than the {info.MaxPayload} bytes NATS server {NatsTransport.Display(Server)} accepts (its max_payload). Send less, or raise max_payload on the server.");
        }

        return TryWritePublish(subject, replyTo, headers, headerSize, payload.Span)
            ? ValueTask.CompletedTask
            : PublishWhenDrainedAsync(subject, replyTo, headers, headerSize, payload, cancellationToken);
    }

    private async ValueTask PublishWhenDrainedAsync(string subject, string? replyTo, NatsHeaders? headers, int headerSize, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task drained;
            lock (_writeLock)
            {
                drained = (_drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }

            await drained.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (TryWritePublish(subject, replyTo, headers, headerSize, payload.Span))
            {
                return;
            }
        }
    }

    private bool TryWritePublish(string subject, string? replyTo, NatsHeaders? headers, int headerSize, ReadOnlySpan<byte> payload)
    {
        lock (_writeLock)
        {
            if (_failed)
            {
                throw Lost();
            }

            if (_pending.WrittenCount >= HighWaterMark)
            {
                return false;
            }

            var size = NatsProtocolWriter.WritePublish(_pending, subject, replyTo, headers, headerSize, payload);
            SignalWriter();
            _connection.CountPublished(size);
            return true;
        }
    }

    private void EnqueuePing(TaskCompletionSource? waiter)
    {
        lock (_writeLock)
        {
            if (!_failed)
            {
                _pongWaiters.Enqueue(waiter);
                _pending.Write(NatsProtocolWriter.Ping);
                SignalWriter();
                return;
            }
        }

        waiter?.TrySetException(Lost());
    }

    private void EnqueuePong()
    {
        lock (_writeLock)
        {
            if (!_failed)
            {
                _pending.Write(NatsProtocolWriter.Pong);
                SignalWriter();
            }
        }
    }

    private void SignalWriter()
    {
        if (!_writerSignaled)
        {
            _writerSignaled = true;
            _writeSignal.Release();
        }
    }

    private NatsException Lost()
    {
        var error = Volatile.Read(ref _error);
        return error switch
        {
            NatsException nats => nats,
            null => new NatsException($"The connection to NATS server {NatsTransport.Display(Server)} is closed."),
            _ => new NatsException($"The connection to NATS server {NatsTransport.Display(Server)} was lost: {error.Message}", error),
        };
    }

    private async Task RunAsync(TimeSpan pingInterval, int maxPingsOutstanding, TimeProvider timeProvider)
    {
        try
        {
            await Task.WhenAll(ReadLoopAsync(), WriteLoopAsync(), PingLoopAsync(pingInterval, maxPingsOutstanding, timeProvider)).ConfigureAwait(false);
            await _transport.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Closing anyway; the connection must learn that the session ended whatever went wrong here.
            Fail(e);
        }
        finally
        {
            _closing.Dispose();
            _ended.TrySetResult(Volatile.Read(ref _error) ?? new NatsException($"The connection to NATS server {NatsTransport.Display(Server)} is closed."));
        }
    }

    private async Task ReadLoopAsync()
    {
        await Task.Yield();
        var reader = _transport.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(_closing.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                var consumed = Process(buffer);
                reader.AdvanceTo(consumed, buffer.End);
                if (result.IsCompleted)
                {
                    throw new NatsException($"NATS server {NatsTransport.Display(Server)} closed the connection.");
                }
            }
        }
        catch (Exception e)
        {
            if (e is NatsProtocolException)
            {
                NatsLog.ProtocolError(_connection.Logger, NatsTransport.Display(Server), e.Message);
            }

            Fail(e);
        }
    }

    private SequencePosition Process(ReadOnlySequence<byte> buffer)
    {
        if (!buffer.IsEmpty)
        {
            Volatile.Write(ref _receivedSinceTick, 1);
        }

        var maxMessageSize = Math.Max(Info.MaxPayload, MaxMessageSizeFloor);
        while (_parser.TryRead(ref buffer, maxMessageSize, out var frame))
        {
            switch (frame.Op)
            {
                case NatsServerOp.Msg or NatsServerOp.HMsg:
                    _connection.OnMessage(frame);
                    break;
                case NatsServerOp.Ping:
                    EnqueuePong();
                    break;
                case NatsServerOp.Pong:
                    OnPong();
                    break;
                case NatsServerOp.Err:
                    OnServerError(Encoding.UTF8.GetString(frame.Text));
                    break;
                case NatsServerOp.Info:
                    OnInfo(frame.Text);
                    break;
                default:
                    break;
            }
        }

        return buffer.Start;
    }

    private void OnPong()
    {
        Volatile.Write(ref _pingsOutstanding, 0);
        TaskCompletionSource? waiter = null;
        lock (_writeLock)
        {
            _pongWaiters.TryDequeue(out waiter);
        }

        waiter?.TrySetResult();
    }

    private void OnServerError(string message)
    {
        var error = new NatsServerErrorException(message);
        if (!error.KeepsConnection)
        {
            throw error;
        }

        if (error.RefusesSubscription)
        {
            // The connection stays open and every other subscription works: without a loud message, whatever this
            // one should have received would be missed in silence.
            NatsLog.SubscriptionRefused(_connection.Logger, NatsTransport.Display(Server), message);
            return;
        }

        NatsLog.ServerError(_connection.Logger, NatsTransport.Display(Server), message);
    }

    private void OnInfo(ReadOnlySpan<byte> json)
    {
        NatsServerInfo info;
        try
        {
            info = NatsServerInfo.Parse(json);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new NatsProtocolException($"The server sent an INFO that is not valid JSON ({e.Message}): \"{NatsParser.Show(json)}\".");
        }

        Info = info;
        _connection.OnInfo(this, info);
    }

    private async Task WriteLoopAsync()
    {
        await Task.Yield();
        var stream = _transport.Stream;
        try
        {
            while (true)
            {
                await _writeSignal.WaitAsync(_closing.Token).ConfigureAwait(false);
                ArrayBufferWriter<byte> batch;
                TaskCompletionSource? drained;
                lock (_writeLock)
                {
                    batch = _pending;
                    _pending = _spare;
                    _writerSignaled = false;
                    drained = _drained;
                    _drained = null;
                }

                drained?.TrySetResult();
                if (batch.WrittenCount > 0)
                {
                    await stream.WriteAsync(batch.WrittenMemory, _closing.Token).ConfigureAwait(false);
                    await stream.FlushAsync(_closing.Token).ConfigureAwait(false);
                }

                batch.ResetWrittenCount();
                _spare = batch.Capacity > MaxRetainedBufferSize ? new ArrayBufferWriter<byte>(InitialBufferSize) : batch;
            }
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    private async Task PingLoopAsync(TimeSpan interval, int maxOutstanding, TimeProvider timeProvider)
    {
        try
        {
            using var timer = new PeriodicTimer(interval, timeProvider);
            while (await timer.WaitForNextTickAsync(_closing.Token).ConfigureAwait(false))
            {
                // Anything received proves the server alive: a PONG queued behind a burst of MSGs is late, not missing.
                if (Interlocked.Exchange(ref _receivedSinceTick, 0) != 0)
                {
                    Volatile.Write(ref _pingsOutstanding, 0);
                }

                var outstanding = Volatile.Read(ref _pingsOutstanding);
                if (outstanding >= maxOutstanding)
                {
                    throw new NatsException(
                        $"NATS server {NatsTransport.Display(Server)} did not answer {outstanding} PINGs sent {interval.TotalMilliseconds:0} ms apart, and sent nothing else: the connection is dead.");
                }

                Interlocked.Increment(ref _pingsOutstanding);
                EnqueuePing(null);
            }
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }
}
