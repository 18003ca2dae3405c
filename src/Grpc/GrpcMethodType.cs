namespace Perms.Grpc;

/// <summary>The shapes of gRPC method this layer serves.</summary>
public enum GrpcMethodType
{
    /// <summary>One request message, one response message.</summary>
    Unary = 0,

    /// <summary>One request message, a stream of response messages.</summary>
    ServerStreaming = 1,
}
