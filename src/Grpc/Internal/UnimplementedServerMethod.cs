using Microsoft.AspNetCore.Http;

namespace Perms.Grpc.Internal;

/// <summary>Answers a gRPC call to a path no method is mapped at with UNIMPLEMENTED.</summary>
internal sealed class UnimplementedServerMethod(GrpcServerRuntime runtime)
{
    /// <summary>The longest path quoted back in the status message.</summary>
    private const int MaxQuotedPath = 256;

    public Task HandleAsync(HttpContext httpContext)
    {
        if (!GrpcServerProtocol.TryAccept(httpContext, runtime))
        {
            return Task.CompletedTask;
        }

        var path = httpContext.Request.Path.Value ?? "/";
        GrpcServerLog.Unimplemented(runtime.Logger, path);
        var quoted = path.Length <= MaxQuotedPath ? path : string.Concat(path.AsSpan(0, MaxQuotedPath), "...");
        GrpcServerProtocol.WriteTrailersOnly(httpContext.Response, GrpcStatusCode.Unimplemented, "unknown service or method " + quoted);
        return Task.CompletedTask;
    }
}
