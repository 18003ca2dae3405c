using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using Perms.Grpc.Internal;

namespace Perms.Grpc;

/// <summary>
/// A gRPC client over one <see cref="SocketsHttpHandler"/>: HTTP/2 with prior knowledge for <c>http://</c> (h2c),
/// HTTP/2 over TLS (ALPN) for <c>https://</c>. Thread-safe; create one per server and reuse it.
/// </summary>
public sealed class GrpcChannel : IDisposable
{
    private const string UserAgent = "grpc-csharp-perms/1.0";

    private readonly HttpMessageInvoker _invoker;
    private readonly GrpcChannelOptions _options;
    private readonly ConcurrentDictionary<string, Uri> _uris = new(StringComparer.Ordinal);

    /// <summary>Creates a channel to <paramref name="address"/>.</summary>
    /// <param name="address">An absolute <c>http://</c> or <c>https://</c> address, e.g. <c>http://127.0.0.1:5000</c>.</param>
    /// <param name="options">Transport and size options; null for the defaults.</param>
    public GrpcChannel(Uri address, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"'{address}' is not an absolute http:// or https:// address.", nameof(address));
        }

        Address = address;
        _options = options ?? new GrpcChannelOptions();
        _invoker = _options.HttpHandler is { } handler
            ? new HttpMessageInvoker(handler, disposeHandler: false)
            : new HttpMessageInvoker(CreateHandler(_options), disposeHandler: true);
    }

    /// <summary>The server's address.</summary>
    public Uri Address { get; }

    /// <summary>Creates a channel to <paramref name="address"/>.</summary>
    /// <param name="address">An absolute <c>http://</c> or <c>https://</c> address.</param>
    /// <param name="options">Transport and size options; null for the defaults.</param>
    /// <returns>The channel.</returns>
    public static GrpcChannel ForAddress(string address, GrpcChannelOptions? options = null) => new(new Uri(address, UriKind.Absolute), options);

    /// <summary>Calls a unary method.</summary>
    /// <typeparam name="TRequest">The request message.</typeparam>
    /// <typeparam name="TResponse">The response message.</typeparam>
    /// <param name="path">The method's path, e.g. <c>/perms.v1.PermissionService/CheckPermission</c>.</param>
    /// <param name="request">The request.</param>
    /// <param name="parser">The response's parser.</param>
    /// <param name="options">Metadata and deadline; null for none.</param>
    /// <param name="cancellationToken">Cancels the call (the server's handler sees its token cancelled).</param>
    /// <returns>The response.</returns>
    /// <exception cref="GrpcStatusException">The call ended with another status than OK, with the server's code, decoded message and trailers.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<TResponse> CallUnaryAsync<TRequest, TResponse>(
        string path,
        TRequest request,
        MessageParser<TResponse> parser,
        GrpcCallOptions? options = null,
        CancellationToken cancellationToken = default)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(parser);
        using var call = CreateCall(path, request, options ?? GrpcCallOptions.Default, cancellationToken);
        await call.StartAsync(_invoker).ConfigureAwait(false);
        return await ReadUnaryAsync(call, parser).ConfigureAwait(false);
    }

    /// <summary>Calls a unary method and also returns the response's metadata (its headers).</summary>
    /// <typeparam name="TRequest">The request message.</typeparam>
    /// <typeparam name="TResponse">The response message.</typeparam>
    /// <param name="path">The method's path.</param>
    /// <param name="request">The request.</param>
    /// <param name="parser">The response's parser.</param>
    /// <param name="options">Metadata and deadline; null for none.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The response and its header metadata.</returns>
    /// <exception cref="GrpcStatusException">The call ended with another status than OK.</exception>
    public async Task<GrpcUnaryResponse<TResponse>> CallUnaryWithHeadersAsync<TRequest, TResponse>(
        string path,
        TRequest request,
        MessageParser<TResponse> parser,
        GrpcCallOptions? options = null,
        CancellationToken cancellationToken = default)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(parser);
        using var call = CreateCall(path, request, options ?? GrpcCallOptions.Default, cancellationToken);
        await call.StartAsync(_invoker).ConfigureAwait(false);
        var response = await ReadUnaryAsync(call, parser).ConfigureAwait(false);
        return new GrpcUnaryResponse<TResponse>(response, call.ResponseHeaders);
    }

    /// <summary>Calls a server-streaming method (such as <c>/grpc.health.v1.Health/Watch</c>); the call ends when the enumeration does.</summary>
    /// <typeparam name="TRequest">The request message.</typeparam>
    /// <typeparam name="TResponse">The response messages.</typeparam>
    /// <param name="path">The method's path.</param>
    /// <param name="request">The request.</param>
    /// <param name="parser">The responses' parser.</param>
    /// <param name="options">Metadata and deadline; null for none.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The response messages; a status other than OK throws <see cref="GrpcStatusException"/> from the enumeration.</returns>
    public async IAsyncEnumerable<TResponse> CallServerStreamingAsync<TRequest, TResponse>(
        string path,
        TRequest request,
        MessageParser<TResponse> parser,
        GrpcCallOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(parser);
        using var call = CreateCall(path, request, options ?? GrpcCallOptions.Default, cancellationToken);
        await call.StartAsync(_invoker).ConfigureAwait(false);
        while (await call.ReadMessageAsync(parser).ConfigureAwait(false) is { } message)
        {
            yield return message;
        }
    }

    /// <summary>Closes the connections.</summary>
    public void Dispose() => _invoker.Dispose();

    private static async Task<TResponse> ReadUnaryAsync<TResponse>(GrpcClientCall call, MessageParser<TResponse> parser)
        where TResponse : IMessage<TResponse>
    {
        var response = await call.ReadMessageAsync(parser).ConfigureAwait(false);
        if (response is null)
        {
            throw new GrpcStatusException(GrpcStatusCode.Internal, "The response of a unary call ended with OK but no message.");
        }

        if (await call.ReadMessageAsync(parser).ConfigureAwait(false) is not null)
        {
            throw new GrpcStatusException(GrpcStatusCode.Internal, "The response of a unary call had more than one message.");
        }

        return response;
    }

    private static SocketsHttpHandler CreateHandler(GrpcChannelOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = options.EnableMultipleHttp2Connections,
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
        };
        if (options.SslOptions is { } ssl)
        {
            handler.SslOptions = ssl;
        }

        return handler;
    }

    private GrpcClientCall CreateCall<TRequest>(string path, TRequest request, GrpcCallOptions options, CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();

        TimeSpan? timeout = options.Timeout;
        if (options.Deadline is { } deadline)
        {
            var left = deadline - DateTimeOffset.UtcNow;
            timeout = timeout is { } given && given < left ? given : left;
        }

        if (timeout <= TimeSpan.Zero)
        {
            throw new GrpcStatusException(GrpcStatusCode.DeadlineExceeded, "Deadline Exceeded: the deadline passed before the call started.");
        }

        var size = request.CalculateSize();
        if (size > _options.MaxSendMessageSize)
        {
            throw new GrpcStatusException(
                GrpcStatusCode.ResourceExhausted,
                $"Sending message exceeds the maximum configured message size ({size} vs. {_options.MaxSendMessageSize}).");
        }

        var frame = new byte[GrpcProtocol.FrameHeaderSize + size];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)size);
        request.WriteTo(frame.AsSpan(GrpcProtocol.FrameHeaderSize));

        var message = new HttpRequestMessage(HttpMethod.Post, _uris.GetOrAdd(path, static (p, address) => new Uri(address, p), Address))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new GrpcRequestContent(frame),
        };
        var headers = message.Headers;
        headers.TryAddWithoutValidation("te", "trailers");
        headers.TryAddWithoutValidation("user-agent", UserAgent);
        headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, GrpcProtocol.AcceptEncodingValue);
        if (timeout is { } due)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(due));
        }

        if (options.Headers is { } metadata)
        {
            for (var i = 0; i < metadata.Count; i++)
            {
                if (!headers.TryAddWithoutValidation(metadata[i].Key, metadata[i].Value))
                {
                    message.Dispose();
                    throw new ArgumentException($"'{metadata[i].Key}' cannot be sent as request metadata.", nameof(options));
                }
            }
        }

        return new GrpcClientCall(message, timeout, _options.MaxReceiveMessageSize, cancellationToken);
    }
}
