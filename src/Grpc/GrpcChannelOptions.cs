using System.Net.Security;

namespace Perms.Grpc;

/// <summary>Options of a <see cref="GrpcChannel"/>.</summary>
public sealed class GrpcChannelOptions
{
    /// <summary>
    /// Opens another HTTP/2 connection when one reaches the server's concurrent-stream limit (SocketsHttpHandler's
    /// <c>EnableMultipleHttp2Connections</c>). Default true, as grpc-dotnet.
    /// </summary>
    public bool EnableMultipleHttp2Connections { get; init; } = true;

    /// <summary>The largest response message accepted, in bytes (after decompression). Default 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; init; } = GrpcServerOptions.DefaultMaxMessageSize;

    /// <summary>The largest request message sent, in bytes; a larger one fails locally with RESOURCE_EXHAUSTED. Default 4 MiB.</summary>
    public int MaxSendMessageSize { get; init; } = GrpcServerOptions.DefaultMaxMessageSize;

    /// <summary>How long to wait for a connection. Default 10 seconds.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a connection with calls in flight may stay silent before a PING is sent. Default 60 seconds; a channel
    /// between silos uses less, so a call to a node that vanished fails in seconds rather than at its deadline.
    /// </summary>
    public TimeSpan KeepAlivePingDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long to wait for the PING's answer before the connection is closed. Default 30 seconds.</summary>
    public TimeSpan KeepAlivePingTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>TLS settings for an <c>https://</c> address: certificate validation, client certificates. Null: the system's defaults.</summary>
    public SslClientAuthenticationOptions? SslOptions { get; init; }

    /// <summary>
    /// A handler to send through instead of the channel's own <see cref="System.Net.Http.SocketsHttpHandler"/> (the other
    /// transport options are then ignored). The channel does not dispose it.
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; init; }
}
