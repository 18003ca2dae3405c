using System.Net;
using Microsoft.Extensions.Options;

namespace Perms.Gateway.Hosting.Metrics;

/// <summary>Validates <see cref="MetricsOptions"/>, naming each key.</summary>
internal sealed class MetricsOptionsValidator(IOptions<ServerOptions> server) : IValidateOptions<MetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, MetricsOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var errors = new List<string>();
        var section = MetricsOptions.SectionName;
        if (options.Address is not null && !IPAddress.TryParse(options.Address, out _))
        {
            errors.Add($"{section}:Address \"{options.Address}\" is not an IP address (e.g. 0.0.0.0 or 127.0.0.1); leave it unset to use {ServerOptions.SectionName}:Address");
        }

        if (options.Port is < 1 or > 65535)
        {
            errors.Add($"{section}:Port {options.Port} is not a port (1-65535; default 9464), or set {section}:Enabled=false to serve no metrics");
        }
        else if (server.ValueOrNull() is { } endpoint && options.Port == endpoint.Port)
        {
            errors.Add($"{section}:Port {options.Port} is also {ServerOptions.SectionName}:Port: metrics need a port of their own (default 9464)");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

}
