using Microsoft.Extensions.Logging;

namespace Perms.Grpc.Internal;

/// <summary>The server wire layer's log messages.</summary>
internal static partial class GrpcServerLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Error,
        Message = "The handler of gRPC method {Method} threw; the call ended with INTERNAL and the client saw no detail. Fix the handler, or throw GrpcStatusException for an expected failure")]
    public static partial void HandlerFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "gRPC call {Method} ended with {StatusCode}: {Detail}")]
    public static partial void CallFailed(ILogger logger, string method, GrpcStatusCode statusCode, string detail);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "gRPC call {Method} passed its deadline {Deadline:o}; answered DEADLINE_EXCEEDED")]
    public static partial void DeadlineExceeded(ILogger logger, string method, DateTimeOffset? deadline);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Ignored the malformed grpc-timeout {Value} of a call to {Path}; the call runs without a deadline")]
    public static partial void MalformedTimeoutIgnored(ILogger logger, string value, string path);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "Refused a call to {Path} with content-type {ContentType}: HTTP 415")]
    public static partial void UnsupportedContentType(ILogger logger, string path, string? contentType);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "Refused an {Protocol} call to {Path}: gRPC needs HTTP/2, HTTP 426")]
    public static partial void UnsupportedProtocol(ILogger logger, string protocol, string path);

    [LoggerMessage(EventId = 7, Level = LogLevel.Debug, Message = "No gRPC method is mapped at {Path}: UNIMPLEMENTED")]
    public static partial void Unimplemented(ILogger logger, string path);

    [LoggerMessage(EventId = 8, Level = LogLevel.Debug, Message = "The client of gRPC call {Method} cancelled it")]
    public static partial void ClientCancelled(ILogger logger, string method);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning,
        Message = "A cancellation callback of gRPC call {Method} threw when its deadline passed; callbacks registered on GrpcCallContext.CancellationToken should not throw")]
    public static partial void CancellationCallbackFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 10, Level = LogLevel.Debug, Message = "Could not send DEADLINE_EXCEEDED for gRPC call {Method}")]
    public static partial void DeadlineResponseFailed(ILogger logger, string method, Exception exception);
}
