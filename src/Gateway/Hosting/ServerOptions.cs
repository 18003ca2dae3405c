using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Perms.Gateway.Hosting;

/// <summary>Where and how the gRPC endpoint listens (configuration section <c>Perms:Server</c>).</summary>
public sealed class ServerOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Perms:Server";

    /// <summary>The address to listen on. Default <c>0.0.0.0</c> (every interface, as in a container).</summary>
    public string Address { get; set; } = "0.0.0.0";

    /// <summary>The port. Default 50051, gRPC's customary port.</summary>
    public int Port { get; set; } = 50051;

    /// <summary>A PEM certificate (chain) for TLS. Without it the endpoint speaks h2c (HTTP/2 without TLS).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key of <see cref="CertificatePath"/>.</summary>
    public string? KeyPath { get; set; }

    /// <summary>Whether callers present client certificates: <c>NoCertificate</c> (default), <c>AllowCertificate</c> or <c>RequireCertificate</c>.</summary>
    public ClientCertificateMode ClientCertificateMode { get; set; } = ClientCertificateMode.NoCertificate;

    /// <summary>PEM bundle of the certificate authorities that client certificates must chain to (required with client certificates).</summary>
    public string? ClientCertificateAuthorityPath { get; set; }

    /// <summary>
    /// On SIGTERM, how long calls in flight may take to finish (and the NATS subscription to drain) before the process
    /// exits anyway. Health turns NOT_SERVING at once; new connections are refused. Keep it below Kubernetes'
    /// terminationGracePeriodSeconds minus the preStop delay. Default 20 s.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How often the probe behind the health status runs (a silo: the database; a gateway: the cluster view). Default 5 s.</summary>
    public TimeSpan HealthProbeInterval { get; set; } = TimeSpan.FromSeconds(5);
}
