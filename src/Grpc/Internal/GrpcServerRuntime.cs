using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Perms.Grpc.Internal;

/// <summary>What every mapped method shares, resolved once when it is mapped: the options, the logger, the clock, the metrics.</summary>
internal sealed class GrpcServerRuntime(
    IOptions<GrpcServerOptions> options,
    ILoggerFactory loggerFactory,
    TimeProvider timeProvider,
    IMeterFactory? meterFactory = null)
{
    /// <summary>Reads the options once; their validator runs here if start-up validation has not.</summary>
    public GrpcServerOptions Options { get; } = options.Value;

    public ILogger Logger { get; } = loggerFactory.CreateLogger("Perms.Grpc.Server");

    public TimeProvider TimeProvider { get; } = timeProvider;

    /// <summary>Request counts and durations by method and status (meter <c>Perms.Grpc</c>).</summary>
    public GrpcServerMetrics Metrics { get; } = new(meterFactory);
}
