using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Perms.Silo.Clustering;

/// <summary>Validates <see cref="SiloTlsOptions"/>: the files exist and load, and the key matches the certificate.</summary>
internal sealed class SiloTlsOptionsValidator : IValidateOptions<SiloTlsOptions>
{
    private const string Section = SiloTlsOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, SiloTlsOptions options)
    {
        if (!options.Enabled)
        {
            return options.CertificateAuthorityPath is null
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail($"{Section}:CertificateAuthorityPath is set without {Section}:CertificatePath and {Section}:KeyPath");
        }

        var errors = new List<string>();
        foreach (var (key, path) in new[] { ("CertificatePath", options.CertificatePath), ("KeyPath", options.KeyPath), ("CertificateAuthorityPath", options.CertificateAuthorityPath) })
        {
            if (path is null)
            {
                errors.Add($"{Section}:{key} is required for TLS between silos (certificate, key and the CA peers must chain to)");
            }
            else if (!File.Exists(path))
            {
                errors.Add($"{Section}:{key} is {path}, which does not exist or cannot be read");
            }
        }

        if (errors.Count == 0)
        {
            try
            {
                using var certificate = SiloTls.LoadCertificate(options);
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException or InvalidOperationException)
            {
                errors.Add($"{Section}:CertificatePath and {Section}:KeyPath do not load as a PEM certificate with its private key: {e.Message}");
            }

            try
            {
                if (SiloTls.LoadAuthorities(options).Count == 0)
                {
                    errors.Add($"{Section}:CertificateAuthorityPath holds no PEM certificate");
                }
            }
            catch (CryptographicException e)
            {
                errors.Add($"{Section}:CertificateAuthorityPath does not load as PEM certificates: {e.Message}");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
