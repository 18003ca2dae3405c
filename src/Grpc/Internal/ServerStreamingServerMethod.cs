using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Perms.Grpc.Internal;

/// <summary>Serves one server-streaming method: its <see cref="HandleAsync"/> is the endpoint's request delegate, bound once.</summary>
internal sealed class ServerStreamingServerMethod<TRequest, TResponse>(
    string method,
    GrpcMethodTags tags,
    MessageParser<TRequest> parser,
    GrpcServerStreamingHandler<TRequest, TResponse> handler,
    GrpcServerRuntime runtime)
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    private Func<GrpcCallContext, Task>? _execute;

    public Task HandleAsync(HttpContext httpContext) =>
        GrpcServerCall.HandleAsync(httpContext, runtime, tags, method, _execute ??= ExecuteAsync);

    private async Task ExecuteAsync(GrpcCallContext context)
    {
        var options = runtime.Options;
        var request = await GrpcRequestReader.ReadSingleMessageAsync(context, parser, options.MaxReceiveMessageSize).ConfigureAwait(false);
        var writer = new GrpcStreamWriter<TResponse>(context, options.MaxSendMessageSize);
        await handler(request, writer, context).ConfigureAwait(false);
        if (!await context.EnterResponseAsync().ConfigureAwait(false))
        {
            return;
        }

        try
        {
            context.WriteStatus(GrpcStatusCode.OK, null, null);
        }
        finally
        {
            context.ExitResponse(completed: true);
        }
    }
}
