using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Perms.Grpc.Internal;

/// <summary>Serves one server-streaming method: its <see cref="HandleAsync"/> is the endpoint's request delegate, bound once.</summary>
internal sealed class ServerStreamingServerMethod<TRequest, TResponse>(
    string method,
    MessageParser<TRequest> parser,
    GrpcServerStreamingHandler<TRequest, TResponse> handler,
    GrpcServerRuntime runtime)
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    public Task HandleAsync(HttpContext httpContext)
    {
        if (!GrpcServerProtocol.TryAccept(httpContext, runtime))
        {
            return Task.CompletedTask;
        }

        var timeout = GrpcServerProtocol.ReadTimeout(httpContext, runtime);
        if (timeout <= TimeSpan.Zero)
        {
            GrpcServerProtocol.WriteTrailersOnly(httpContext.Response, GrpcStatusCode.DeadlineExceeded, "Deadline Exceeded");
            return Task.CompletedTask;
        }

        return RunAsync(new GrpcCallContext(httpContext, method, runtime, timeout));
    }

    private async Task RunAsync(GrpcCallContext context)
    {
        try
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
        catch (Exception e)
        {
            await context.FailAsync(e).ConfigureAwait(false);
        }
        finally
        {
            await context.EndAsync().ConfigureAwait(false);
        }
    }
}
