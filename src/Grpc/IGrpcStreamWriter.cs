namespace Perms.Grpc;

/// <summary>Writes the response messages of a server-streaming call.</summary>
/// <typeparam name="TResponse">The response message.</typeparam>
public interface IGrpcStreamWriter<in TResponse>
{
    /// <summary>
    /// Sends one message and flushes it. One write at a time: await each before the next. Throws
    /// <see cref="OperationCanceledException"/> once the client has gone or the deadline has passed, and
    /// <see cref="GrpcStatusException"/> (RESOURCE_EXHAUSTED) for a message over <see cref="GrpcServerOptions.MaxSendMessageSize"/>.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the flush; the call's own token always does.</param>
    /// <returns>A task that completes when the message has been handed to the transport.</returns>
    ValueTask WriteAsync(TResponse message, CancellationToken cancellationToken = default);
}
