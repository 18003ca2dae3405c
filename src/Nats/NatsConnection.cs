using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Perms.Nats.Internal;

namespace Perms.Nats;

/// <summary>
/// A client connection to NATS (core protocol: publish, subscribe, headers, token and user/password authentication,
/// TLS). It reconnects by itself — with back-off, to the servers in turn — and subscribes again after every
/// reconnect. Thread-safe; create one per process and keep it.
/// </summary>
public sealed class NatsConnection : IAsyncDisposable
{
    /// <summary>The connection whose loop (or whose events) the current code runs in, so that it does not wait for itself.</summary>
    private static readonly AsyncLocal<NatsConnection?> RunningLoop = new();

    private readonly NatsOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly Uri[] _servers;
    private readonly Lock _stateLock = new();
    private readonly Lock _subscriptionLock = new();
    private readonly ConcurrentDictionary<long, NatsSubscription> _subscriptions = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private NatsConnectionState _state;
    private Task? _loop;
    private bool _disposing;
    private bool _draining;
    private NatsSession? _session;
    private volatile NatsSession? _activeSession;
    private volatile NatsServerInfo? _serverInfo;
    private volatile Exception? _lastError;
    private long _nextSid;
    private long _messagesIn;
    private long _bytesIn;
    private long _messagesOut;
    private long _bytesOut;
    private long _messagesDropped;
    private long _handlerErrors;
    private long _reconnects;
    private long _disconnects;

    /// <summary>Creates the connection; nothing happens on the network before <see cref="ConnectAsync"/>.</summary>
    /// <param name="options">The options; copied, so later changes have no effect.</param>
    /// <param name="logger">Where to log connects, disconnects, protocol errors and slow consumers; null for nowhere.</param>
    /// <param name="timeProvider">The clock of PINGs, back-off and timeouts; null for the system clock.</param>
    /// <exception cref="ArgumentException">An option is invalid (the message names each one and how to fix it).</exception>
    public NatsConnection(NatsOptions options, ILogger<NatsConnection>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var validation = new NatsOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new ArgumentException(validation.FailureMessage, nameof(options));
        }

        _options = options.Clone();
        _servers = [.. _options.Servers];
        Logger = logger ?? NullLogger<NatsConnection>.Instance;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>
    /// Raised after every state change, on the connection's background task (keep handlers short; exceptions are logged).
    /// When the state becomes Connected after a reconnect, <see cref="NatsStateChangedEventArgs.IsReconnect"/> is true
    /// and it is raised only after every subscription was sent again and the server answered a PING since: they are active.
    /// </summary>
    public event EventHandler<NatsStateChangedEventArgs>? StateChanged;

    /// <summary>
    /// Raised when a subscription's hand-off is full and a message is dropped — at most once per subscription until its
    /// queue has drained again. Raised on the socket's reader: handlers must be cheap and must not block.
    /// </summary>
    public event EventHandler<NatsSlowConsumerEventArgs>? SlowConsumer;

    /// <summary>Where the connection is in its life.</summary>
    public NatsConnectionState State
    {
        get
        {
            lock (_stateLock)
            {
                return _state;
            }
        }
    }

    /// <summary>What the server said in its last INFO; null before the first connection.</summary>
    public NatsServerInfo? ServerInfo => _serverInfo;

    /// <summary>A snapshot of the counters.</summary>
    public NatsStatistics Statistics => new()
    {
        MessagesIn = Interlocked.Read(ref _messagesIn),
        BytesIn = Interlocked.Read(ref _bytesIn),
        MessagesOut = Interlocked.Read(ref _messagesOut),
        BytesOut = Interlocked.Read(ref _bytesOut),
        MessagesDropped = Interlocked.Read(ref _messagesDropped),
        HandlerErrors = Interlocked.Read(ref _handlerErrors),
        Reconnects = Interlocked.Read(ref _reconnects),
        Disconnects = Interlocked.Read(ref _disconnects),
    };

    internal ILogger Logger { get; }

    /// <summary>
    /// Starts the connection loop in the background and returns once connected the first time. While attempts fail it
    /// keeps trying with back-off; the loop keeps trying until <see cref="DisposeAsync"/> whatever happens here.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting (not the loop).</param>
    /// <returns>A task that completes once connected.</returns>
    /// <exception cref="NatsException">
    /// An attempt failed in a way retrying will not fix by itself — the server refused the credentials
    /// (<see cref="NatsServerErrorException"/>), TLS validation failed, the server wants nkeys — before the first connection.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first; its inner exception is the last attempt's error.</exception>
    /// <exception cref="ObjectDisposedException">The connection was disposed.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        Task connected;
        lock (_stateLock)
        {
            ObjectDisposedException.ThrowIf(_disposing, this);
            if (_loop is null)
            {
                _state = NatsConnectionState.Connecting;
                using (ExecutionContext.SuppressFlow())
                {
                    _loop = Task.Run(() => RunAsync(_stopping.Token));
                }
            }

            connected = _connected.Task;
        }

        try
        {
            await connected.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested && !connected.IsCompleted)
        {
            var last = _lastError;
            throw new OperationCanceledException(
                $"Not connected to NATS ({string.Join(", ", _servers.Select(NatsTransport.Display))}) when the wait was cancelled; "
                + (last is null ? "no attempt had finished." : $"the last attempt failed: {last.Message}") + " The connection keeps trying in the background.",
                last ?? e,
                cancellationToken);
        }
    }

    /// <summary>
    /// Subscribes. The subscription is registered at once: sent now when connected (and then this waits until the
    /// server has it), otherwise when the connection is made; and sent again after every reconnect. The handler runs on
    /// a background task, one message at a time, in arrival order; an exception it throws is logged and counted, and
    /// the subscription goes on. Its token is cancelled when the subscription or the connection is disposed.
    /// </summary>
    /// <param name="subject">The subject; <c>*</c> matches one token, a last <c>&gt;</c> the rest (e.g. <c>orders.*.created</c>, <c>orders.&gt;</c>).</param>
    /// <param name="handler">Called for each message.</param>
    /// <param name="queueGroup">A queue group, to share the messages with the other members; null for every message.</param>
    /// <param name="cancellationToken">Stops waiting for the server (the subscription is then removed).</param>
    /// <returns>The subscription; dispose it to unsubscribe.</returns>
    /// <exception cref="ArgumentException">The subject or queue group is invalid.</exception>
    /// <exception cref="ObjectDisposedException">The connection is disposed or draining.</exception>
    public async ValueTask<NatsSubscription> SubscribeAsync(
        string subject,
        Func<NatsMsg, CancellationToken, ValueTask> handler,
        string? queueGroup = null,
        CancellationToken cancellationToken = default)
    {
        NatsSubject.ValidateSubscribe(subject, nameof(subject));
        NatsSubject.ValidateQueueGroup(queueGroup, nameof(queueGroup));
        ArgumentNullException.ThrowIfNull(handler);
        var subscription = new NatsSubscription(this, Interlocked.Increment(ref _nextSid), subject, queueGroup, handler, _options.SubscriptionCapacity);
        NatsSession? session;
        lock (_subscriptionLock)
        {
            ObjectDisposedException.ThrowIf(_draining || Volatile.Read(ref _disposing), this);
            subscription.Start();
            _subscriptions[subscription.Sid] = subscription;
            session = _session;
            session?.EnqueueSubscribe(subscription);
        }

        if (session is not null)
        {
            try
            {
                await session.PingAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (NatsException)
            {
                // The connection was lost meanwhile: the subscription is sent again after the reconnect.
            }
            catch (OperationCanceledException)
            {
                await subscription.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        return subscription;
    }

    /// <summary>
    /// Publishes (PUB, or HPUB with headers). Returns once the message is queued for the socket; it waits only while a
    /// megabyte is already queued. Core NATS is at-most-once: a message queued when the connection is lost is lost.
    /// </summary>
    /// <param name="subject">The subject, without wildcards.</param>
    /// <param name="payload">The payload, copied before this returns.</param>
    /// <param name="headers">Headers, or null for none.</param>
    /// <param name="cancellationToken">Stops waiting for room in the queue.</param>
    /// <returns>A task that completes once the message is queued.</returns>
    /// <exception cref="ArgumentException">The subject is invalid.</exception>
    /// <exception cref="NatsException">
    /// Not connected; the message (payload and headers) is larger than the server's max_payload (the message names both
    /// sizes); or headers were given and the server does not support them.
    /// </exception>
    public ValueTask PublishAsync(string subject, ReadOnlyMemory<byte> payload, NatsHeaders? headers = null, CancellationToken cancellationToken = default)
    {
        NatsSubject.ValidatePublish(subject, nameof(subject));
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposing), this);
        var session = _activeSession ?? throw NotConnected();
        return session.PublishAsync(subject, null, headers, payload, cancellationToken);
    }

    /// <summary>Sends PING and waits for the PONG: everything written before has reached the server.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the server answered.</returns>
    /// <exception cref="NatsException">Not connected, or the connection was lost before the answer.</exception>
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposing), this);
        var session = _activeSession ?? throw NotConnected();
        return session.PingAsync(cancellationToken);
    }

    /// <summary>
    /// Unsubscribes everything, waits until the server has done so (messages it sent before are still handled), lets
    /// the handlers finish the messages queued, then closes the connection.
    /// </summary>
    /// <param name="cancellationToken">Bounds the wait for the handlers; the connection is closed either way.</param>
    /// <returns>A task that completes once closed.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the handlers finished.</exception>
    public async Task DrainAsync(CancellationToken cancellationToken = default)
    {
        NatsSubscription[] subscriptions;
        NatsSession? session;
        lock (_subscriptionLock)
        {
            if (_draining || Volatile.Read(ref _disposing))
            {
                return;
            }

            _draining = true;
            subscriptions = [.. _subscriptions.Values];
            session = _session;
            foreach (var subscription in subscriptions)
            {
                session?.EnqueueUnsubscribe(subscription.Sid);
            }
        }

        try
        {
            if (session is not null && session == _activeSession)
            {
                try
                {
                    // After the PONG, every message for these subscriptions the server sent has been read.
                    await session.PingAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (NatsException)
                {
                    // Lost meanwhile: nothing more will arrive either way.
                }
            }

            foreach (var subscription in subscriptions)
            {
                _subscriptions.TryRemove(subscription.Sid, out _);
                subscription.Complete();
            }

            await Task.WhenAll(subscriptions.Select(s => s.WaitForHandlerAsync(cancellationToken))).ConfigureAwait(false);
        }
        finally
        {
            await DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Closes the connection: stops the loop, closes the socket, stops every subscription (cancelling the handlers'
    /// tokens and waiting for them) and leaves no background task running. Idempotent.
    /// </summary>
    /// <returns>A task that completes once everything stopped.</returns>
    public ValueTask DisposeAsync()
    {
        lock (_stateLock)
        {
            if (_disposing)
            {
                return new ValueTask(_disposed.Task);
            }

            _disposing = true;
        }

        return new ValueTask(DisposeCoreAsync());
    }

    internal void OnMessage(in NatsFrame frame)
    {
        Interlocked.Increment(ref _messagesIn);
        Interlocked.Add(ref _bytesIn, frame.TotalSize);
        if (!_subscriptions.TryGetValue(frame.Sid, out var subscription))
        {
            return;
        }

        if (subscription.IsFull)
        {
            OnDropped(subscription);
            return;
        }

        var message = new NatsMsg(
            subscription.SubjectOf(frame.Subject),
            frame.ReplyTo.IsEmpty ? null : Encoding.UTF8.GetString(frame.ReplyTo),
            frame.Payload.IsEmpty ? ReadOnlyMemory<byte>.Empty : frame.Payload.ToArray(),
            frame.Op == NatsServerOp.HMsg ? NatsHeaders.Parse(frame.Headers) : null);
        if (!subscription.TryEnqueue(message))
        {
            OnDropped(subscription);
        }
    }

    internal void OnInfo(NatsSession session, NatsServerInfo info)
    {
        _serverInfo = info;
        if (info.LameDuckMode)
        {
            NatsLog.LameDuckMode(Logger, NatsTransport.Display(session.Server));
        }
    }

    internal void CountPublished(int size)
    {
        Interlocked.Increment(ref _messagesOut);
        Interlocked.Add(ref _bytesOut, size);
    }

    internal void OnHandlerFailed(NatsSubscription subscription, NatsMsg message, Exception exception)
    {
        Interlocked.Increment(ref _handlerErrors);
        NatsLog.HandlerFailed(Logger, subscription.Subject, message.Subject, exception);
    }

    internal ValueTask UnsubscribeAsync(NatsSubscription subscription)
    {
        lock (_subscriptionLock)
        {
            if (_subscriptions.TryRemove(subscription.Sid, out _))
            {
                _session?.EnqueueUnsubscribe(subscription.Sid);
            }
        }

        return new ValueTask(subscription.StopAsync());
    }

    private void OnDropped(NatsSubscription subscription)
    {
        Interlocked.Increment(ref _messagesDropped);
        if (!subscription.CountDropped(out var dropped))
        {
            return;
        }

        NatsLog.SlowConsumer(Logger, subscription.Subject, _options.SubscriptionCapacity, dropped);
        if (SlowConsumer is { } handlers)
        {
            Raise(handlers, new NatsSlowConsumerEventArgs(subscription.Subject, subscription.QueueGroup, dropped), nameof(SlowConsumer));
        }
    }

    private NatsException NotConnected() =>
        new($"Not connected to NATS (the connection is {State.ToString().ToLowerInvariant()}"
            + (_lastError is { } last ? $"; last error: {last.Message}" : "") + "). Publish again once StateChanged reports Connected.");

    private async Task RunAsync(CancellationToken stopping)
    {
        RunningLoop.Value = this;
        Raise(NatsConnectionState.Disconnected, NatsConnectionState.Connecting, isReconnect: false, error: null);
        var failures = 0;
        var next = 0;
        var everConnected = false;
        var delay = TimeSpan.Zero;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, _timeProvider, stopping).ConfigureAwait(false);
                }

                var server = _servers[next];
                next = (next + 1) % _servers.Length;
                NatsSession session;
                try
                {
                    session = await HandshakeAsync(server, stopping).ConfigureAwait(false);
                }
                catch (Exception e) when (!stopping.IsCancellationRequested)
                {
                    failures++;
                    delay = Backoff(failures);
                    _lastError = e;
                    NatsLog.ConnectFailed(Logger, NatsTransport.Display(server), failures, e.Message, delay.TotalMilliseconds);
                    if (!everConnected && e is NatsException { IsConfigurationError: true })
                    {
                        FailConnectWaiters(e);
                    }

                    continue;
                }

                failures = 0;
                var info = session.Info;
                _activeSession = session;
                if (everConnected)
                {
                    Interlocked.Increment(ref _reconnects);
                    NatsLog.Reconnected(Logger, NatsTransport.Display(server), info.ServerId, _subscriptions.Count);
                }
                else
                {
                    NatsLog.Connected(Logger, NatsTransport.Display(server), info.ServerId, info.Version);
                }

                TryTransition(NatsConnectionState.Connected, everConnected, error: null);
                everConnected = true;
                _connected.TrySetResult();

                Exception error;
                using (stopping.Register(static s => ((NatsSession)s!).Fail(new NatsException("The NATS connection was disposed.")), session))
                {
                    error = await session.Ended.ConfigureAwait(false);
                }

                _activeSession = null;
                lock (_subscriptionLock)
                {
                    if (_session == session)
                    {
                        _session = null;
                    }
                }

                if (stopping.IsCancellationRequested)
                {
                    break;
                }

                Interlocked.Increment(ref _disconnects);
                _lastError = error;
                delay = Backoff(0);
                NatsLog.Disconnected(Logger, NatsTransport.Display(server), error.Message);
                TryTransition(NatsConnectionState.Reconnecting, isReconnect: false, error);
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // A bug, not a network failure: keep the connection alive rather than end it silently.
                NatsLog.LoopFailed(Logger, e);
                delay = _options.ReconnectWaitMax;
            }
        }
    }

    /// <summary>TCP, INFO, TLS, CONNECT, every SUB, then PING — connected once the PONG arrives.</summary>
    private async Task<NatsSession> HandshakeAsync(Uri server, CancellationToken stopping)
    {
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token);
        var parser = new NatsParser();
        NatsSession? session = null;
        try
        {
            var transport = await NatsTransport.OpenAsync(server, _options, parser, linked.Token).ConfigureAwait(false);
            var credentials = NatsConnectCredentials.For(_options, server);
            session = new NatsSession(this, server, transport, parser);
            _serverInfo = transport.Info;
            session.Start(_options.PingInterval, _options.MaxPingsOutstanding, _timeProvider);
            if (transport.Info.Nonce is not null && credentials.IsEmpty)
            {
                throw new NatsException(
                    $"NATS server {NatsTransport.Display(server)} asks for nkey or JWT authentication (its INFO has a nonce), which this client does not support (.NET has no Ed25519 here). Give the client a token or a user and password on the server.")
                {
                    IsConfigurationError = true,
                };
            }

            session.EnqueueConnect(credentials, _options.Name);
            lock (_subscriptionLock)
            {
                _session = session;
                if (!_draining)
                {
                    foreach (var subscription in _subscriptions.Values)
                    {
                        session.EnqueueSubscribe(subscription);
                    }
                }
            }

            await session.PingAsync(linked.Token).ConfigureAwait(false);
            return session;
        }
        catch (Exception e)
        {
            var error = e is OperationCanceledException && timeout.IsCancellationRequested && !stopping.IsCancellationRequested
                ? new TimeoutException($"NATS server {NatsTransport.Display(server)} did not complete the handshake within {_options.ConnectTimeout.TotalMilliseconds:0} ms (NatsOptions.ConnectTimeout).", e)
                : e;
            if (session is not null)
            {
                session.Fail(error);
                await session.Ended.ConfigureAwait(false);
                lock (_subscriptionLock)
                {
                    if (_session == session)
                    {
                        _session = null;
                    }
                }
            }

            if (error == e)
            {
                throw;
            }

            throw error;
        }
    }

    private TimeSpan Backoff(int failures)
    {
        double min = _options.ReconnectWaitMin.Ticks;
        double max = _options.ReconnectWaitMax.Ticks;
        var ceiling = Math.Min(max, min * Math.Pow(2, Math.Min(failures, 62)));
        return TimeSpan.FromTicks((long)(min + (Random.Shared.NextDouble() * (ceiling - min))));
    }

    private void FailConnectWaiters(Exception error)
    {
        TaskCompletionSource failed;
        lock (_stateLock)
        {
            failed = _connected;
            _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        failed.TrySetException(error);
        _ = failed.Task.Exception;
    }

    private bool TryTransition(NatsConnectionState state, bool isReconnect, Exception? error)
    {
        NatsConnectionState previous;
        lock (_stateLock)
        {
            previous = _state;
            if (previous == state || previous == NatsConnectionState.Closed)
            {
                return false;
            }

            _state = state;
        }

        Raise(previous, state, isReconnect, error);
        return true;
    }

    private void Raise(NatsConnectionState previous, NatsConnectionState current, bool isReconnect, Exception? error)
    {
        if (StateChanged is { } handlers)
        {
            Raise(handlers, new NatsStateChangedEventArgs(previous, current, isReconnect, error), nameof(StateChanged));
        }
    }

    private void Raise<TArgs>(EventHandler<TArgs> handlers, TArgs args, string name)
    {
        foreach (var handler in handlers.GetInvocationList())
        {
            try
            {
                ((EventHandler<TArgs>)handler)(this, args);
            }
            catch (Exception e)
            {
                NatsLog.EventHandlerFailed(Logger, name, e);
            }
        }
    }

    private async Task DisposeCoreAsync()
    {
        try
        {
            Task? loop;
            lock (_stateLock)
            {
                loop = _loop;
            }

            await _stopping.CancelAsync().ConfigureAwait(false);
            NatsSession? session;
            lock (_subscriptionLock)
            {
                session = _session;
            }

            session?.Fail(new NatsException("The NATS connection was disposed."));
            if (loop is not null && RunningLoop.Value != this)
            {
                await loop.ConfigureAwait(false);
            }

            NatsSubscription[] subscriptions;
            lock (_subscriptionLock)
            {
                subscriptions = [.. _subscriptions.Values];
                _subscriptions.Clear();
            }

            await Task.WhenAll(subscriptions.Select(s => s.StopAsync())).ConfigureAwait(false);
            FailConnectWaiters(new ObjectDisposedException(nameof(NatsConnection), "The NATS connection was disposed before it connected."));
            _activeSession = null;
            TryTransition(NatsConnectionState.Closed, isReconnect: false, error: null);
            NatsLog.Closed(Logger, _options.Name);
        }
        finally
        {
            _disposed.TrySetResult();
        }
    }
}
