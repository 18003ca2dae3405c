using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace Perms.Silo.Clustering;

/// <summary>
/// Mutual TLS between silos with Microsoft.Orleans.Connections.Security. The certificate is loaded when the first
/// connection needs it — after the start-up validation has reported every invalid key — not while the host is built.
/// Peers are checked against the configured authorities only (silos reach each other by IP, so the names in their
/// certificates are not compared).
/// </summary>
internal sealed class SiloTls(SiloTlsOptions options)
{
    private readonly Lazy<X509Certificate2> _certificate = new(() => LoadCertificate(options));
    private readonly Lazy<X509Certificate2Collection> _authorities = new(() => LoadAuthorities(options));

    /// <summary>Configures Orleans' TLS for silo-to-silo connections, both directions, certificates required.</summary>
    public void Configure(TlsOptions tls)
    {
        tls.LocalServerCertificateSelector = (_, _) => _certificate.Value;
        tls.LocalClientCertificateSelector = (_, _, _, _, _) => _certificate.Value;
        // RemoteCertificateMode applies to both ends: a silo accepting a connection requires the caller's certificate
        // (mutual TLS) and a silo connecting requires the server's. ClientCertificateMode is only about the local
        // client certificate given eagerly; ours comes from the selector above, loaded on first use.
        tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.ClientCertificateMode = RemoteCertificateMode.AllowCertificate;
        tls.RemoteCertificateValidation = (certificate, _, errors) => Trusted(certificate, errors);
    }

    public static X509Certificate2 LoadCertificate(SiloTlsOptions options) =>
        X509Certificate2.CreateFromPemFile(options.CertificatePath!, options.KeyPath);

    public static X509Certificate2Collection LoadAuthorities(SiloTlsOptions options)
    {
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(options.CertificateAuthorityPath!);
        return authorities;
    }

    private bool Trusted(X509Certificate2 certificate, SslPolicyErrors errors)
    {
        if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_authorities.Value);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
