using Microsoft.Extensions.Options;

namespace Perms.Silo.Configuration;

/// <summary>Validates <see cref="OrleansSiloOptions"/>, naming each key.</summary>
internal sealed class OrleansSiloOptionsValidator : IValidateOptions<OrleansSiloOptions>
{
    private const string Section = OrleansSiloOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, OrleansSiloOptions options)
    {
        var errors = new List<string>();
        if (!options.IsPostgres && !string.Equals(options.Clustering, OrleansSiloOptions.LocalhostClustering, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{Section}:{nameof(options.Clustering)} is \"{options.Clustering}\"; give localhost or postgres");
        }

        if (options.IsPostgres)
        {
            if (string.IsNullOrWhiteSpace(options.ConnectionString))
            {
                errors.Add($"{Section}:{nameof(options.ConnectionString)} is required with {Section}:{nameof(options.Clustering)} = postgres (a role that may write Perms' membership schema)");
            }
            else
            {
                try
                {
                    _ = new Npgsql.NpgsqlConnectionStringBuilder(options.ConnectionString);
                }
                catch (ArgumentException e)
                {
                    errors.Add($"{Section}:{nameof(options.ConnectionString)} is not a valid Npgsql connection string: {e.Message}");
                }
            }

            if (string.IsNullOrWhiteSpace(options.Schema) || !System.Text.RegularExpressions.Regex.IsMatch(options.Schema, "^[a-z_][a-z0-9_]{0,62}$"))
            {
                errors.Add($"{Section}:{nameof(options.Schema)} is \"{options.Schema}\"; give a lower-case PostgreSQL identifier (letters, digits, _)");
            }
        }

        if (OrleansHostingExtensions.PlacementOf(options.Placement) is null)
        {
            errors.Add($"{Section}:{nameof(options.Placement)} is \"{options.Placement}\"; give hash, random, prefer-local or resource-optimized");
        }

        if (options.ProbeTimeout < TimeSpan.FromMilliseconds(100) || options.ProbeTimeout > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{Section}:{nameof(options.ProbeTimeout)} is {options.ProbeTimeout}; give a value between 00:00:00.1 and 00:05:00");
        }

        if (options.MissedProbesLimit is < 1 or > 100)
        {
            errors.Add($"{Section}:{nameof(options.MissedProbesLimit)} is {options.MissedProbesLimit}; give 1 to 100");
        }

        if (options.AdvertisedAddress is { } address && !System.Net.IPAddress.TryParse(address, out _))
        {
            errors.Add($"{Section}:{nameof(options.AdvertisedAddress)} is \"{address}\"; give an IP address");
        }

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
