namespace Perms.Gateway.Hosting.Metrics;

/// <summary>The Prometheus endpoint (configuration section <c>Perms:Metrics</c>): GET /metrics over HTTP/1.1 on its own port.</summary>
public sealed class MetricsOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Perms:Metrics";

    /// <summary>Whether the endpoint is served (and metrics aggregated). Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The port of the endpoint. Default 9464 (OpenTelemetry's Prometheus exporter's); never the gRPC port.</summary>
    public int Port { get; set; } = 9464;

    /// <summary>The address to listen on. Default: <c>Perms:Server:Address</c>.</summary>
    public string? Address { get; set; }
}
