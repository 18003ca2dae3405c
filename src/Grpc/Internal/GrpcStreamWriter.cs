using Google.Protobuf;

namespace Perms.Grpc.Internal;

/// <summary>Writes the messages of a server-streaming call, each flushed, each under the call's response lock.</summary>
internal sealed class GrpcStreamWriter<TResponse>(GrpcCallContext context, int maxSendMessageSize) : IGrpcStreamWriter<TResponse>
    where TResponse : IMessage<TResponse>
{
    private int _writing;
    private bool _headersWritten;

    public async ValueTask WriteAsync(TResponse message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (Interlocked.Exchange(ref _writing, 1) != 0)
        {
            throw new InvalidOperationException("A write is already in progress; await each WriteAsync before the next.");
        }

        try
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            cancellationToken.ThrowIfCancellationRequested();
            var size = message.CalculateSize();
            if (size > maxSendMessageSize)
            {
                throw new GrpcStatusException(
                    GrpcStatusCode.ResourceExhausted,
                    $"Sending message exceeds the maximum configured message size ({size} vs. {maxSendMessageSize}).");
            }

            if (!await context.EnterResponseAsync().ConfigureAwait(false))
            {
                throw new OperationCanceledException("The call has ended: its deadline passed.", context.CancellationToken);
            }

            try
            {
                var response = context.HttpContext.Response;
                if (!_headersWritten)
                {
                    context.WriteResponseHeaders(response);
                    _headersWritten = true;
                }

                GrpcProtocol.WriteMessage(response.BodyWriter, message, size);
                context.MarkBodyWritten();
                using var linked = cancellationToken.CanBeCanceled
                    ? CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, cancellationToken)
                    : null;
                var flush = await response.BodyWriter.FlushAsync(linked?.Token ?? context.CancellationToken).ConfigureAwait(false);
                if (flush.IsCanceled || flush.IsCompleted)
                {
                    throw new OperationCanceledException("The client has gone.", context.CancellationToken);
                }
            }
            finally
            {
                context.ExitResponse(completed: false);
            }
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }
}
