using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Perms.Grpc;
using Perms.Grpc.Internal;

namespace Perms.UnitTests.Gateway;

/// <summary>A call context for calling API handlers directly, without a server.</summary>
internal static class GrpcCallContextFactory
{
    public static GrpcCallContext Create(HttpContext httpContext, string method) =>
        new(httpContext, method, new GrpcServerRuntime(Options.Create(new GrpcServerOptions()), NullLoggerFactory.Instance, TimeProvider.System), timeout: null);
}
