using Microsoft.AspNetCore.Http;

namespace Perms.Grpc.Internal;

/// <summary>
/// What every server method does around its own work: accept the request as gRPC, read the deadline, build the call
/// context, turn any exception into a status, end the call, and record it (count and duration by method and final
/// status). The method's work is a delegate bound once per method, so a call allocates no closure.
/// </summary>
internal static class GrpcServerCall
{
    public static Task HandleAsync(HttpContext httpContext, GrpcServerRuntime runtime, GrpcMethodTags tags, string method, Func<GrpcCallContext, Task> execute)
    {
        var started = runtime.TimeProvider.GetTimestamp();
        if (!GrpcServerProtocol.TryAccept(httpContext, runtime))
        {
            // Not a gRPC call over HTTP/2 (426 or 415), answered with grpc-status INTERNAL.
            runtime.Metrics.Record(tags, GrpcStatusCode.Internal, runtime.TimeProvider, started);
            return Task.CompletedTask;
        }

        var timeout = GrpcServerProtocol.ReadTimeout(httpContext, runtime);
        if (timeout <= TimeSpan.Zero)
        {
            GrpcServerProtocol.WriteTrailersOnly(httpContext.Response, GrpcStatusCode.DeadlineExceeded, "Deadline Exceeded");
            runtime.Metrics.Record(tags, GrpcStatusCode.DeadlineExceeded, runtime.TimeProvider, started);
            return Task.CompletedTask;
        }

        return RunAsync(new GrpcCallContext(httpContext, method, runtime, timeout), runtime, tags, started, execute);
    }

    private static async Task RunAsync(GrpcCallContext context, GrpcServerRuntime runtime, GrpcMethodTags tags, long started, Func<GrpcCallContext, Task> execute)
    {
        try
        {
            await execute(context).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await context.FailAsync(e).ConfigureAwait(false);
        }
        finally
        {
            await context.EndAsync().ConfigureAwait(false);
            runtime.Metrics.Record(tags, context.FinalStatus, runtime.TimeProvider, started);
        }
    }
}
