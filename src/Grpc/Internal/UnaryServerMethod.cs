using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Perms.Grpc.Internal;

/// <summary>Serves one unary method: its <see cref="HandleAsync"/> is the endpoint's request delegate, bound once.</summary>
internal sealed class UnaryServerMethod<TRequest, TResponse>(
    string method,
    GrpcMethodTags tags,
    MessageParser<TRequest> parser,
    GrpcUnaryHandler<TRequest, TResponse> handler,
    GrpcServerRuntime runtime,
    GrpcCallFilter? filter)
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    private Func<GrpcCallContext, Task>? _execute;

    public Task HandleAsync(HttpContext httpContext) =>
        GrpcServerCall.HandleAsync(httpContext, runtime, tags, method, _execute ??= ExecuteAsync);

    private async Task ExecuteAsync(GrpcCallContext context)
    {
        filter?.Invoke(context);
        var options = runtime.Options;
        var request = await GrpcRequestReader.ReadSingleMessageAsync(context, parser, options.MaxReceiveMessageSize).ConfigureAwait(false);
        var response = await handler(request, context).ConfigureAwait(false);
        if (response is null)
        {
            throw new InvalidOperationException($"The handler of {method} returned null instead of a response message.");
        }

        var size = response.CalculateSize();
        if (!await context.EnterResponseAsync().ConfigureAwait(false))
        {
            // The deadline passed and has answered; the response is dropped.
            return;
        }

        try
        {
            if (size > options.MaxSendMessageSize)
            {
                context.WriteStatus(
                    GrpcStatusCode.ResourceExhausted,
                    $"Sending message exceeds the maximum configured message size ({size} vs. {options.MaxSendMessageSize}).",
                    null);
            }
            else
            {
                context.WriteUnaryResponse(response, size);
            }
        }
        finally
        {
            context.ExitResponse(completed: true);
        }
    }
}
