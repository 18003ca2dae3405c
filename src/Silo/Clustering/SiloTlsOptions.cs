namespace Perms.Silo.Clustering;

/// <summary>
/// Mutual TLS between silos (configuration <c>Perms:Orleans:Tls</c>): every silo presents its certificate and accepts
/// only peers whose certificate chains to <see cref="CertificateAuthorityPath"/>. Off while no certificate is set.
/// </summary>
public sealed class SiloTlsOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Perms:Orleans:Tls";

    /// <summary>PEM certificate this silo presents, as server and as client.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>PEM private key of <see cref="CertificatePath"/>.</summary>
    public string? KeyPath { get; set; }

    /// <summary>PEM bundle of the certificate authorities a peer's certificate must chain to. Required with TLS.</summary>
    public string? CertificateAuthorityPath { get; set; }

    /// <summary>Whether TLS is configured.</summary>
    public bool Enabled => CertificatePath is not null || KeyPath is not null;
}
