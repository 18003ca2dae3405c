using System.Diagnostics.Metrics;

namespace Perms.Grpc.Internal;

/// <summary>
/// The server's request instruments (meter <c>Perms.Grpc</c>): <c>perms.grpc.server.requests</c> (a counter) and
/// <c>perms.grpc.server.duration</c> (a histogram in milliseconds), both tagged <c>rpc.service</c>, <c>rpc.method</c>
/// and <c>rpc.grpc.status_code</c> (the numeric final <c>grpc-status</c>, as OpenTelemetry's RPC conventions say).
/// Recording allocates nothing: the method tags are built once per mapped method and the status codes are boxed once.
/// </summary>
internal sealed class GrpcServerMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Perms.Grpc";

    /// <summary>The service and method tag value of calls to a path no method is mapped at (OpenTelemetry's "_OTHER").</summary>
    public const string Other = "_OTHER";

    // grpc-status 0..16, boxed once; a code outside the range (never written by this layer) is boxed per call.
    private static readonly object[] BoxedCodes = [.. Enumerable.Range(0, 17).Select(static code => (object)code)];

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;

    public GrpcServerMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _requests = meter.CreateCounter<long>(
            "perms.grpc.server.requests",
            description: "gRPC calls served, by service, method and final grpc-status (numeric).");
        _duration = meter.CreateHistogram<double>(
            "perms.grpc.server.duration",
            unit: "ms",
            description: "Duration of gRPC calls on the server, from the request's arrival at the method to the status written, by service, method and final grpc-status.");
        Unknown = new GrpcMethodTags(Other, Other);
    }

    /// <summary>The tags of calls to an unknown path.</summary>
    public GrpcMethodTags Unknown { get; }

    /// <summary>Records one finished call that started at <paramref name="startTimestamp"/> (of <paramref name="time"/>).</summary>
    public void Record(GrpcMethodTags method, GrpcStatusCode code, TimeProvider time, long startTimestamp)
    {
        if (!_requests.Enabled && !_duration.Enabled)
        {
            return;
        }

        var index = (int)code;
        var status = new KeyValuePair<string, object?>("rpc.grpc.status_code", (uint)index < (uint)BoxedCodes.Length ? BoxedCodes[index] : index);
        _requests.Add(1, method.Service, method.Method, status);
        _duration.Record(time.GetElapsedTime(startTimestamp).TotalMilliseconds, method.Service, method.Method, status);
    }
}
