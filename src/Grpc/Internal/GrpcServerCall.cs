using Microsoft.AspNetCore.Http;

namespace Perms.Grpc.Internal;

/// <summary>
/// What every server method does around its own work: accept the request as gRPC, read the deadline, build the call
/// context, turn any exception into a status, and end the call. The method's work is a delegate bound once per
/// method, so a call allocates no closure.
/// </summary>
internal static class GrpcServerCall
{
    public static Task HandleAsync(HttpContext httpContext, GrpcServerRuntime runtime, string method, Func<GrpcCallContext, Task> execute)
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

        return RunAsync(new GrpcCallContext(httpContext, method, runtime, timeout), execute);
    }

    private static async Task RunAsync(GrpcCallContext context, Func<GrpcCallContext, Task> execute)
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
        }
    }
}
