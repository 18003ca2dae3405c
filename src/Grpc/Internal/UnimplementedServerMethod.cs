using Microsoft.AspNetCore.Http;

namespace Perms.Grpc.Internal;

/// <summary>Answers a gRPC call to a path no method is mapped at with UNIMPLEMENTED.</summary>
internal sealed class UnimplementedServerMethod(GrpcServerRuntime runtime)
{
    /// <summary>The longest path quoted back in the status message.</summary>
    private const int MaxQuotedPath = 256;

    public Task HandleAsync(HttpContext httpContext)
    {
        var started = runtime.TimeProvider.GetTimestamp();
        var metrics = runtime.Metrics;
        if (!GrpcServerProtocol.TryAccept(httpContext, runtime))
        {
            metrics.Record(metrics.Unknown, GrpcStatusCode.Internal, runtime.TimeProvider, started);
            return Task.CompletedTask;
        }

        var path = httpContext.Request.Path.Value ?? "/";
        GrpcServerLog.Unimplemented(runtime.Logger, path);
        var quoted = path.Length <= MaxQuotedPath ? path : string.Concat(path.AsSpan(0, MaxQuotedPath), "...");
        GrpcServerProtocol.WriteTrailersOnly(httpContext.Response, GrpcStatusCode.Unimplemented, "unknown service or method " + quoted);

        // The path is the caller's: it is not a tag (unbounded cardinality); every unknown path counts as "_OTHER".
        metrics.Record(metrics.Unknown, GrpcStatusCode.Unimplemented, runtime.TimeProvider, started);
        return Task.CompletedTask;
    }
}
