using Microsoft.Extensions.Options;

namespace Perms.Silo.Configuration;

/// <summary>Validates <see cref="OrleansSiloOptions"/>, naming each key.</summary>
internal sealed class OrleansSiloOptionsValidator : IValidateOptions<OrleansSiloOptions>
{
    private const string Section = OrleansSiloOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, OrleansSiloOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ClusterId))
        {
            errors.Add($"{Section}:{nameof(options.ClusterId)} is empty; give the id the silos of one cluster share");
        }

        if (string.IsNullOrWhiteSpace(options.ServiceId))
        {
            errors.Add($"{Section}:{nameof(options.ServiceId)} is empty; give the service's stable id");
        }

        if (options.SiloPort is < 1 or > 65535)
        {
            errors.Add($"{Section}:{nameof(options.SiloPort)} is {options.SiloPort}; give a port from 1 to 65535");
        }

        if (options.GatewayPort is < 0 or > 65535)
        {
            errors.Add($"{Section}:{nameof(options.GatewayPort)} is {options.GatewayPort}; give 0 (no Orleans gateway) or a port up to 65535");
        }
        else if (options.GatewayPort != 0 && options.GatewayPort == options.SiloPort)
        {
            errors.Add($"{Section}:{nameof(options.GatewayPort)} is the silo port {options.SiloPort}; give another port");
        }

        if (options.MemoryUsageLimitPercentage is <= 0 or > 100)
        {
            errors.Add($"{Section}:{nameof(options.MemoryUsageLimitPercentage)} is {options.MemoryUsageLimitPercentage}; give a percentage above 0, up to 100");
        }

        if (options.MemoryUsageTargetPercentage <= 0 || options.MemoryUsageTargetPercentage >= options.MemoryUsageLimitPercentage)
        {
            errors.Add($"{Section}:{nameof(options.MemoryUsageTargetPercentage)} is {options.MemoryUsageTargetPercentage}; give a percentage above 0 and below {Section}:{nameof(options.MemoryUsageLimitPercentage)} ({options.MemoryUsageLimitPercentage})");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
