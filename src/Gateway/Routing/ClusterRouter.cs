using System.Collections.Concurrent;
using Google.Protobuf;
using Perms.Cluster;
using Perms.Gateway.Auditing;
using Perms.Grpc;

namespace Perms.Gateway.Routing;

/// <summary>
/// Routes calls for a user to the silo that owns the user's grains (rendezvous placement over the membership view),
/// through the silos' internal API, one reused HTTP/2 channel per silo. A silo whose call failed in transport is
/// suspected for <see cref="ClusterOptions.SuspectDuration"/>: calls go to the silo that would own their users without
/// it — the one that takes them over if it is dead — and are marked as answered by a non-owner.
/// </summary>
public sealed partial class ClusterRouter : IAsyncDisposable
{
    /// <summary>The response header saying an answer came from a silo that does not own the user in the routing view.</summary>
    public const string PlacementHeader = "perms-placement";

    /// <summary>The value of <see cref="PlacementHeader"/>.</summary>
    public const string NonOwner = "non-owner";

    /// <summary>The trailer a silo adds to every error status it answers on the internal API (see <see cref="IsTransportFailure"/>).</summary>
    public const string AnsweredByHeader = "perms-answered-by";

    /// <summary>The silos' internal gRPC service (the public API's messages and methods, answered from local grains).</summary>
    public const string InternalServiceName = "perms.internal.v1.SiloService";

    // Channels of silos that left the view are closed after calls in flight on them have had time to end.
    private static readonly TimeSpan ChannelRetirement = TimeSpan.FromMinutes(1);

    // Silos are on the same network: a connection that takes seconds, or a PING unanswered for seconds, means the node
    // is gone, and the call should move to the next silo long before the caller's deadline.
    private static readonly GrpcChannelOptions SiloChannelDefaults = new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(2),

        // A silent connection with calls in flight is PINGed after 1 s (the least SocketsHttpHandler allows) and
        // closed 2 s later without an answer: a crashed node or a frozen process fails its calls over in about 3 s,
        // not at the caller's deadline. Idle connections are not PINGed.
        KeepAlivePingDelay = TimeSpan.FromSeconds(1),
        KeepAlivePingTimeout = TimeSpan.FromSeconds(2),
    };

    private readonly IMembershipProvider _membership;
    private readonly ClusterAuthenticator _authenticator;
    private readonly TimeSpan _suspectDuration;
    private readonly TimeProvider _time;
    private readonly RoutingMetrics _metrics;
    private readonly ILogger<ClusterRouter> _logger;
    private readonly GrpcChannelOptions _channelOptions;
    private readonly ConcurrentDictionary<SiloAddress, GrpcChannel> _channels = new();
    private readonly ConcurrentDictionary<SiloAddress, long> _suspectedUntil = new();
    private readonly CancellationTokenSource _disposed = new();

    /// <summary>Creates the router over <paramref name="membership"/> (started by its owner).</summary>
    /// <param name="membership">The live silos.</param>
    /// <param name="self">This process's silo when co-hosted in one, else null.</param>
    /// <param name="authenticator">The internal API's secret.</param>
    /// <param name="suspectDuration">How long a silo that failed in transport is skipped.</param>
    /// <param name="time">The clock of suspicions.</param>
    /// <param name="metrics">Routing metrics.</param>
    /// <param name="logger">Where suspicions are logged.</param>
    /// <param name="channelOptions">Transport options of the channels to silos; null for short connect and PING timeouts (2 s, 1 s + 2 s).</param>
    public ClusterRouter(
        IMembershipProvider membership,
        SiloAddress? self,
        ClusterAuthenticator authenticator,
        TimeSpan suspectDuration,
        TimeProvider time,
        RoutingMetrics metrics,
        ILogger<ClusterRouter> logger,
        GrpcChannelOptions? channelOptions = null)
    {
        ArgumentNullException.ThrowIfNull(membership);
        ArgumentNullException.ThrowIfNull(authenticator);
        _membership = membership;
        Self = self;
        _authenticator = authenticator;
        _suspectDuration = suspectDuration;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _channelOptions = channelOptions ?? SiloChannelDefaults;
        _membership.Changed += OnViewChanged;
        metrics.ObserveView(() => _membership.Current);
    }

    /// <summary>This process's silo when co-hosted in one; null in a gateway process.</summary>
    public SiloAddress? Self { get; }

    /// <summary>The membership view routing uses now.</summary>
    public ClusterView View => _membership.Current;

    /// <summary>
    /// Whether <paramref name="silo"/> failed in transport within the suspicion period. Expired suspicions are
    /// forgotten here.
    /// </summary>
    public bool IsSuspected(SiloAddress silo)
    {
        if (!_suspectedUntil.TryGetValue(silo, out var until))
        {
            return false;
        }

        if (_time.GetTimestamp() < until)
        {
            return true;
        }

        _suspectedUntil.TryRemove(new KeyValuePair<SiloAddress, long>(silo, until));
        return false;
    }

    /// <summary>Where a call for <paramref name="userId"/> goes now.</summary>
    /// <exception cref="GrpcStatusException">UNAVAILABLE: the view holds no silo.</exception>
    public SiloRoute Route(string userId)
    {
        var view = _membership.Current;
        if (view.Silos.IsEmpty)
        {
            throw new GrpcStatusException(GrpcStatusCode.Unavailable, "no silo is live in this process's cluster view yet (see its membership logs)");
        }

        var owner = RendezvousPlacement.OwnerOf(userId, view);
        if (_suspectedUntil.IsEmpty || !IsSuspected(owner))
        {
            return new SiloRoute(owner, IsOwner: true);
        }

        var excluded = new HashSet<SiloAddress>();
        foreach (var silo in view.Silos)
        {
            if (IsSuspected(silo))
            {
                excluded.Add(silo);
            }
        }

        // Every silo suspected: the owner is as good a guess as any, and a call is the quickest way to learn.
        var target = RendezvousPlacement.OwnerOf(userId, view, excluded) ?? owner;
        return new SiloRoute(target, target == owner);
    }

    /// <summary>Skips <paramref name="silo"/> for the suspicion period after a transport failure.</summary>
    public void Suspect(SiloAddress silo, Exception reason)
    {
        var until = _time.GetTimestamp() + (long)(_suspectDuration.TotalSeconds * _time.TimestampFrequency);
        var fresh = !IsSuspected(silo);
        _suspectedUntil[silo] = until;
        if (fresh)
        {
            _metrics.Suspected();
            LogSuspected(silo, _suspectDuration, reason.Message);
        }
    }

    /// <summary>Calls <paramref name="path"/> (see <see cref="InternalPath"/>) on <paramref name="target"/>, with the caller's deadline and cancellation.</summary>
    public Task<GrpcUnaryResponse<TResponse>> ForwardAsync<TRequest, TResponse>(
        SiloAddress target,
        string path,
        TRequest request,
        MessageParser<TResponse> parser,
        GrpcCallContext context)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = new GrpcCallOptions { Headers = HeadersFor(context), Deadline = context.Deadline };
        return ChannelTo(target).CallUnaryWithHeadersAsync(path, request, parser, options, context.CancellationToken);
    }

    /// <summary>
    /// The internal call's metadata: the cluster token, and the original caller (<see cref="CallerFeature.Header"/>,
    /// percent-encoded) for the owner's audit log. The W3C <c>traceparent</c> is added by the HTTP handler from
    /// <see cref="System.Diagnostics.Activity.Current"/>.
    /// </summary>
    private IReadOnlyList<KeyValuePair<string, string>> HeadersFor(GrpcCallContext context)
    {
        if (CallerFeature.Of(context.HttpContext) is not { } caller)
        {
            return _authenticator.Authorization;
        }

        var headers = new KeyValuePair<string, string>[_authenticator.Authorization.Count + 1];
        for (var i = 0; i < _authenticator.Authorization.Count; i++)
        {
            headers[i] = _authenticator.Authorization[i];
        }

        headers[^1] = new(CallerFeature.Header, Uri.EscapeDataString(caller));
        return headers;
    }

    /// <summary>
    /// Whether <paramref name="exception"/> is a failure to reach the silo (refused, timed out, reset, closed) rather than a status
    /// the silo answered: only those are retried elsewhere.
    /// </summary>
    public static bool IsTransportFailure(GrpcStatusException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception.Code != GrpcStatusCode.Unavailable)
        {
            return false;
        }

        if (exception.InnerException is HttpRequestException or IOException or TimeoutException)
        {
            return true;
        }

        // UNAVAILABLE that no silo answered: a proxy in between (a mesh sidecar answering 503 or UNAVAILABLE for a
        // dead or unreachable silo). A silo marks the statuses it answers itself.
        foreach (var (name, _) in exception.Trailers)
        {
            if (string.Equals(name, AnsweredByHeader, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The status to give the public caller for a status a silo answered on the internal API: the silo's own answer
    /// (UNAVAILABLE because its database is down, FAILED_PRECONDITION, DEADLINE_EXCEEDED…) as it is, but a refusal of
    /// the internal call itself (wrong cluster token, a silo without the internal API) is the cluster's fault, not the
    /// caller's: INTERNAL, saying what to check — never UNAUTHENTICATED, which the caller would read as its own.
    /// </summary>
    public static GrpcStatusException ForCaller(GrpcStatusException exception, SiloAddress silo)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.Code is GrpcStatusCode.Unauthenticated or GrpcStatusCode.PermissionDenied or GrpcStatusCode.Unimplemented
            ? new GrpcStatusException(
                GrpcStatusCode.Internal,
                $"silo {silo} refused this process's internal call ({exception.Code}): every silo and gateway must run the same version with the same Perms:Cluster:Token")
            : exception;
    }

    /// <summary>The path of <paramref name="method"/> on the internal service.</summary>
    public static string InternalPath(string method) => $"/{InternalServiceName}/{method}";

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return ValueTask.CompletedTask;
        }

        _membership.Changed -= OnViewChanged;
        _disposed.Cancel();
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }

        _channels.Clear();
        _disposed.Dispose();
        return ValueTask.CompletedTask;
    }

    private GrpcChannel ChannelTo(SiloAddress silo) =>
        _channels.TryGetValue(silo, out var channel)
            ? channel
            : _channels.GetOrAdd(silo, static (s, options) => new GrpcChannel(new Uri($"http://{s}"), options), _channelOptions);

    private void OnViewChanged(object? sender, ClusterView view)
    {
        var live = view.Silos.ToHashSet();
        foreach (var silo in _suspectedUntil.Keys)
        {
            if (!live.Contains(silo))
            {
                _suspectedUntil.TryRemove(silo, out _);
            }
        }

        foreach (var (silo, channel) in _channels)
        {
            if (!live.Contains(silo) && _channels.TryRemove(new KeyValuePair<SiloAddress, GrpcChannel>(silo, channel)))
            {
                _ = RetireAsync(channel);
            }
        }
    }

    private async Task RetireAsync(GrpcChannel channel)
    {
        try
        {
            await Task.Delay(ChannelRetirement, _time, _disposed.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Disposing the router closes everything at once.
        }
        catch (ObjectDisposedException)
        {
        }

        channel.Dispose();
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Silo {Silo} could not be reached ({Reason}); routing its users to the next silo for {Duration}, or until it leaves the cluster view")]
    private partial void LogSuspected(SiloAddress silo, TimeSpan duration, string reason);
}
