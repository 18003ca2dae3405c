using Microsoft.Extensions.Options;

namespace Perms.Cluster;

/// <summary>Checks <see cref="DnsMembershipOptions"/>, reporting every problem at once with its fix.</summary>
public sealed class DnsMembershipOptionsValidator : IValidateOptions<DnsMembershipOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, DnsMembershipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.HostName) || Uri.CheckHostName(options.HostName) != UriHostNameType.Dns)
        {
            failures.Add($"HostName '{options.HostName}' is not a DNS name. Set it to the silos' headless Service, e.g. perms-silo.perms.svc.cluster.local.");
        }

        if (options.Port is < 1 or > 65535)
        {
            failures.Add($"Port {options.Port} is out of range. Set it to the silos' internal port, 1 to 65535.");
        }

        if (options.RefreshInterval <= TimeSpan.Zero)
        {
            failures.Add($"RefreshInterval {options.RefreshInterval} must be positive, e.g. 00:00:05.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
