using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Perms.Grpc.Internal;

/// <summary>What every mapped method shares, resolved once when it is mapped: the options, the logger, the clock.</summary>
internal sealed class GrpcServerRuntime(IOptions<GrpcServerOptions> options, ILoggerFactory loggerFactory, TimeProvider timeProvider)
{
    /// <summary>Reads the options once; their validator runs here if start-up validation has not.</summary>
    public GrpcServerOptions Options { get; } = options.Value;

    public ILogger Logger { get; } = loggerFactory.CreateLogger("Perms.Grpc.Server");

    public TimeProvider TimeProvider { get; } = timeProvider;
}
