using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;

namespace Perms.Gateway.Hosting;

/// <summary>Validates <see cref="ServerOptions"/>, naming each key.</summary>
internal sealed class ServerOptionsValidator : IValidateOptions<ServerOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerOptions options)
    {
        var errors = new List<string>();
        var section = ServerOptions.SectionName;
        if (!IPAddress.TryParse(options.Address, out _))
        {
            errors.Add($"{section}:Address \"{options.Address}\" is not an IP address (e.g. 0.0.0.0 or 127.0.0.1)");
        }

        if (options.Port is < 0 or > 65535)
        {
            errors.Add($"{section}:Port {options.Port} is not a port (0-65535; 0 picks a free one)");
        }

        if ((options.CertificatePath is null) != (options.KeyPath is null))
        {
            errors.Add($"{section}:CertificatePath and {section}:KeyPath go together: set both for TLS, or neither for h2c");
        }

        foreach (var (key, path) in new[] { ("CertificatePath", options.CertificatePath), ("KeyPath", options.KeyPath), ("ClientCertificateAuthorityPath", options.ClientCertificateAuthorityPath) })
        {
            if (path is not null && !File.Exists(path))
            {
                errors.Add($"{section}:{key}: {path} does not exist");
            }
        }

        if (options.ClientCertificateMode != ClientCertificateMode.NoCertificate)
        {
            if (options.CertificatePath is null)
            {
                errors.Add($"{section}:ClientCertificateMode needs TLS: set {section}:CertificatePath and {section}:KeyPath");
            }

            if (options.ClientCertificateAuthorityPath is null)
            {
                errors.Add($"{section}:ClientCertificateMode needs {section}:ClientCertificateAuthorityPath, the CA bundle client certificates must chain to");
            }
        }

        if (options.DrainTimeout < TimeSpan.Zero || options.DrainTimeout > TimeSpan.FromMinutes(10))
        {
            errors.Add($"{section}:DrainTimeout is {options.DrainTimeout}; give 00:00:00 to 00:10:00 (e.g. 00:00:20, below Kubernetes' terminationGracePeriodSeconds minus preStop)");
        }

        if (options.HealthProbeInterval < TimeSpan.FromMilliseconds(100))
        {
            errors.Add($"{section}:HealthProbeInterval is {options.HealthProbeInterval}; give at least 00:00:00.1");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
