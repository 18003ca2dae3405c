using Grpc.Health.V1;
using Perms.Grpc;

namespace Perms.Gateway.Health;

/// <summary>
/// grpc.health.v1.Health for Kubernetes <c>grpc:</c> probes: SERVING only while <see cref="HealthReporter"/> says
/// checks can be answered. Reachable without caller credentials. Services: "" (the process) and
/// perms.v1.PermissionService (readiness: SERVING while the database answers), and <see cref="Liveness"/> (SERVING
/// while the process answers at all); any other name is NOT_FOUND (Check) or SERVICE_UNKNOWN (Watch), as the protocol says.
/// </summary>
public sealed class HealthApi(HealthReporter reporter)
{
    /// <summary>The gRPC service name.</summary>
    public const string ServiceName = "grpc.health.v1.Health";

    /// <summary>
    /// The liveness service name for Kubernetes' <c>livenessProbe</c>: SERVING whatever the database does. A probe on
    /// the readiness status would restart every silo during a database outage and throw away the warm grains that keep
    /// answering until their maximum staleness.
    /// </summary>
    public const string Liveness = "liveness";

    /// <summary>Check.</summary>
    public ValueTask<HealthCheckResponse> CheckAsync(HealthCheckRequest request, GrpcCallContext context)
    {
        if (!IsKnown(request.Service))
        {
            throw new GrpcStatusException(GrpcStatusCode.NotFound, $"unknown service \"{request.Service}\"");
        }

        return ValueTask.FromResult(new HealthCheckResponse { Status = request.Service == Liveness ? HealthCheckResponse.Types.ServingStatus.Serving : Current() });
    }

    /// <summary>Watch: the current status, then every change, until the caller leaves or the process shuts down.</summary>
    public async Task WatchAsync(HealthCheckRequest request, IGrpcStreamWriter<HealthCheckResponse> writer, GrpcCallContext context)
    {
        if (!IsKnown(request.Service))
        {
            await writer.WriteAsync(new HealthCheckResponse { Status = HealthCheckResponse.Types.ServingStatus.ServiceUnknown }).ConfigureAwait(false);
            await UntilStoppingAsync(context.CancellationToken).ConfigureAwait(false);
            return;
        }

        if (request.Service == Liveness)
        {
            await writer.WriteAsync(new HealthCheckResponse { Status = HealthCheckResponse.Types.ServingStatus.Serving }).ConfigureAwait(false);
            await UntilStoppingAsync(context.CancellationToken).ConfigureAwait(false);
            return;
        }

        while (!context.CancellationToken.IsCancellationRequested)
        {
            var changed = reporter.Changed;
            await writer.WriteAsync(new HealthCheckResponse { Status = Current() }).ConfigureAwait(false);
            if (reporter.IsStopping)
            {
                // NOT_SERVING was sent; ending the stream (OK) lets the shutdown drain finish and the client reconnect elsewhere.
                return;
            }

            await changed.WaitAsync(context.CancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until the process shuts down (then the stream ends, so it does not hold the drain) or the caller leaves.</summary>
    private async Task UntilStoppingAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var changed = reporter.Changed;
            if (reporter.IsStopping)
            {
                return;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private HealthCheckResponse.Types.ServingStatus Current() =>
        reporter.IsServing ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.NotServing;

    private static bool IsKnown(string service) => service.Length == 0 || service == Api.PermissionApi.ServiceName || service == Liveness;
}
