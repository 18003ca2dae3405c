using Perms.Nats;

namespace Perms.Silo.Events;

/// <summary>
/// Subscribes this silo to the change events and hands each to the <see cref="ChangeEventHandler"/>. Core NATS is
/// at-most-once, so whenever events may have been missed — the first subscription, every reconnect, a full hand-off,
/// an event that failed to apply — every grain loaded until then is treated as stale. Start-up does not wait for
/// NATS: until it is reachable the silo serves with the maximum staleness as the only bound (logged).
/// </summary>
internal sealed class ChangeEventConsumer : IHostedService, IAsyncDisposable
{
    private readonly NatsConnection _connection;
    private readonly ChangeEventHandler _handler;
    private readonly EventOptions _options;
    private readonly EventMetrics _metrics;
    private readonly ILogger<ChangeEventConsumer> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<NatsSubscription> _subscriptions = [];
    private readonly TimeSpan _settle;
    private Task _connecting = Task.CompletedTask;
    private long _droppedSeen;

    public ChangeEventConsumer(NatsConnection connection, ChangeEventHandler handler, EventOptions options, EventMetrics metrics, ILogger<ChangeEventConsumer> logger)
    {
        _connection = connection;
        _handler = handler;
        _options = options;
        _metrics = metrics;
        _logger = logger;
        _settle = options.PingInterval > TimeSpan.FromSeconds(1) ? options.PingInterval : TimeSpan.FromSeconds(1);
        _connection.StateChanged += OnStateChanged;
        _connection.SlowConsumer += OnSlowConsumer;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var wildcard in ChangeEventSubjects.Wildcards)
        {
            _subscriptions.Add(await _connection.SubscribeAsync(_options.SubjectPrefix + wildcard, OnMessageAsync, cancellationToken: cancellationToken).ConfigureAwait(false));
        }

        _connecting = ConnectAsync();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _connecting.ConfigureAwait(false);
        if (_connection.State == NatsConnectionState.Connected)
        {
            using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            drain.CancelAfter(_options.DrainTimeout);
            try
            {
                await _connection.DrainAsync(drain.Token).ConfigureAwait(false);
                EventLog.Drained(_logger);
            }
            catch (Exception e) when (e is OperationCanceledException or NatsException)
            {
                // Shutting down: events still queued are moot once the grains go away with the process.
                EventLog.DrainFailed(_logger, e.Message);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _connection.StateChanged -= OnStateChanged;
        _connection.SlowConsumer -= OnSlowConsumer;
        await _connection.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task ConnectAsync()
    {
        try
        {
            await _connection.ConnectAsync(_stopping.Token).ConfigureAwait(false);
            EventLog.Subscribed(_logger, EventOptions.Redact(_options.Url), string.Join(", ", ChangeEventSubjects.Wildcards.Select(w => _options.SubjectPrefix + w)));
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is NatsException or OperationCanceledException)
        {
            // Refused credentials, a certificate that does not validate, nkeys asked for: the connection keeps trying
            // in the background with the same settings (a restart with fixed ones is needed); until then only the
            // maximum staleness bounds the cache.
            EventLog.CannotConnect(_logger, EventOptions.Redact(_options.Url), e.Message);
        }
    }

    private async ValueTask OnMessageAsync(NatsMsg message, CancellationToken cancellationToken)
    {
        // A message dropped by a full hand-off was published before this one was handled: marking now covers it.
        long dropped = 0;
        foreach (var subscription in _subscriptions)
        {
            dropped += subscription.Dropped;
        }

        // Five subscriptions' handlers run this concurrently: advance the seen total only upwards, so no drop is
        // counted twice.
        var seen = Volatile.Read(ref _droppedSeen);
        while (dropped > seen)
        {
            var previous = Interlocked.CompareExchange(ref _droppedSeen, dropped, seen);
            if (previous == seen)
            {
                _metrics.Dropped(dropped - seen);
                _handler.MarkAllStale($"{dropped} change events dropped so far by a full hand-off");
                break;
            }

            seen = previous;
        }

        try
        {
            await _handler.HandleAsync(message.Subject, message.Data.Span).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The handler itself does not throw on bad input; if applying failed anyway, nothing is known to be fresh.
            EventLog.ApplyFailed(_logger, message.Subject, e);
            _handler.MarkAllStale("a change event could not be applied");
        }
    }

    private void OnStateChanged(object? sender, NatsStateChangedEventArgs e)
    {
        if (e.Current == NatsConnectionState.Connected)
        {
            _metrics.Connected(true, e.IsReconnect);
            // Raised once the subscriptions are active again: whatever was loaded before may have missed events.
            _handler.MarkAllStale(e.IsReconnect ? "reconnected to NATS (events published while disconnected are lost)" : "subscribed to NATS (events published before were not seen)");
            _ = MarkAgainWhenSettledAsync();
        }
        else if (e.Previous == NatsConnectionState.Connected)
        {
            _metrics.Connected(false, false);
            if (!_stopping.IsCancellationRequested)
            {
                // Closing at shutdown is expected; anything else leaves only the staleness bound.
                EventLog.Disconnected(_logger, e.Current.ToString().ToLowerInvariant(), e.Error?.Message ?? "");
            }
        }
    }

    private void OnSlowConsumer(object? sender, NatsSlowConsumerEventArgs e)
    {
        EventLog.SlowConsumer(_logger, e.Subject, e.Dropped);
        // Also marked when the next message is handled; this covers a drop after which nothing else arrives.
        _handler.MarkAllStale($"change events dropped on {e.Subject} by a full hand-off");
    }

    /// <summary>
    /// The PONG that confirms the subscriptions comes from the server this silo is connected to; the other servers of a
    /// NATS cluster learn of them a moment later, and an event published through one of those meanwhile is not
    /// routed here. Marking everything stale once more after that moment closes the gap.
    /// </summary>
    private async Task MarkAgainWhenSettledAsync()
    {
        try
        {
            await Task.Delay(_settle, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        if (_connection.State == NatsConnectionState.Connected)
        {
            _handler.MarkAllStale("the subscriptions have had time to reach every server of the NATS cluster");
        }
    }
}
