using Grpc.Health.V1;
using Perms.Grpc;
using Perms.LoadTest.Running;

namespace Perms.LoadTest.Comparison;

/// <summary>
/// The empty-call floor: <c>/grpc.health.v1.Health/Check</c> on the silo — the same server, port, client and
/// connections as the permission checks, with nothing behind it (the health status is a field the probe keeps
/// up to date; the call reads it). What no check over this transport can beat; Perms' throughput is quoted as a
/// share of it.
/// </summary>
internal sealed class HealthFloorTarget : ILoadTarget
{
    private const string Method = "/grpc.health.v1.Health/Check";

    private static readonly HealthCheckRequest Request = new();
    private static readonly GrpcCallOptions CallOptions = new() { Timeout = TimeSpan.FromSeconds(30) };

    private readonly GrpcChannel[] _channels;

    /// <summary>Creates the target; no connection is opened before <see cref="PrepareAsync"/>.</summary>
    /// <param name="name">The name in tables and reports.</param>
    /// <param name="address">The silo's <c>http://</c> or <c>https://</c> address.</param>
    /// <param name="connections">HTTP/2 connections (one channel each); requests are spread over them by sequence number.</param>
    public HealthFloorTarget(string name, Uri address, int connections)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(connections, 1);
        Name = name;
        _channels = new GrpcChannel[connections];
        for (var i = 0; i < connections; i++)
        {
            _channels[i] = new GrpcChannel(address);
        }
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>Opens every connection with one call each, and fails when the silo is not serving.</summary>
    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        foreach (var channel in _channels)
        {
            var response = await channel.CallUnaryAsync(Method, Request, HealthCheckResponse.Parser, CallOptions, cancellationToken).ConfigureAwait(false);
            if (response.Status != HealthCheckResponse.Types.ServingStatus.Serving)
            {
                throw new InvalidOperationException($"{channel.Address} answers its health check with {response.Status}, not SERVING.");
            }
        }
    }

    /// <summary>One health check; SERVING is the correct answer, anything else an error.</summary>
    public async ValueTask<RequestResult> SendAsync(long sequence, CancellationToken cancellationToken)
    {
        var channel = _channels[sequence % _channels.Length];
        try
        {
            var response = await channel.CallUnaryAsync(Method, Request, HealthCheckResponse.Parser, CallOptions, cancellationToken).ConfigureAwait(false);
            return response.Status == HealthCheckResponse.Types.ServingStatus.Serving
                ? RequestResult.Correct
                : new RequestResult(RequestOutcome.Error, response.Status.ToString());
        }
        catch (GrpcStatusException e)
        {
            return new RequestResult(RequestOutcome.Error, e.Code.ToString());
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new RequestResult(RequestOutcome.Error, e is OperationCanceledException ? "timeout" : "transport");
        }
    }

    /// <summary>Closes the connections.</summary>
    public ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        return ValueTask.CompletedTask;
    }
}
