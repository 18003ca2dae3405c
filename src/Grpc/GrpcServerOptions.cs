namespace Perms.Grpc;

/// <summary>Limits of the gRPC server wire layer; configure with <see cref="GrpcServiceCollectionExtensions.AddGrpcWire"/>.</summary>
public sealed class GrpcServerOptions
{
    /// <summary>The default of both message size limits: 4 MiB, as every gRPC implementation.</summary>
    public const int DefaultMaxMessageSize = 4 * 1024 * 1024;

    /// <summary>
    /// The largest request message accepted, in bytes (after decompression; a compressed frame is also bounded by it).
    /// A larger one ends the call with RESOURCE_EXHAUSTED before it is read. Default 4 MiB.
    /// </summary>
    public int MaxReceiveMessageSize { get; set; } = DefaultMaxMessageSize;

    /// <summary>The largest response message sent, in bytes; a larger one ends the call with RESOURCE_EXHAUSTED. Default 4 MiB.</summary>
    public int MaxSendMessageSize { get; set; } = DefaultMaxMessageSize;
}
