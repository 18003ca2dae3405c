using Microsoft.Extensions.Options;

namespace Perms.Nats;

/// <summary>
/// Checks <see cref="NatsOptions"/> and names every bad value at once with how to fix it. <see cref="NatsConnection"/>
/// runs it itself; register it to fail at start-up instead.
/// </summary>
public sealed class NatsOptionsValidator : IValidateOptions<NatsOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, NatsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Servers is null || options.Servers.Count == 0)
        {
            failures.Add("NatsOptions.Servers is empty; give at least one nats://host:port or tls://host:port.");
        }
        else
        {
            foreach (var server in options.Servers)
            {
                if (server is null || !server.IsAbsoluteUri || server.Scheme is not ("nats" or "tls") || server.Host.Length == 0)
                {
                    failures.Add($"NatsOptions.Servers has '{server}'; give nats://host:port or tls://host:port.");
                }
            }
        }

        if (string.IsNullOrWhiteSpace(options.Name))
        {
            failures.Add("NatsOptions.Name is empty; give the connection a name the server's monitoring can show, e.g. the service's.");
        }

        if (options.Password is not null && options.User is null)
        {
            failures.Add("NatsOptions.Password is set without NatsOptions.User; set the user too.");
        }

        foreach (var (key, path) in new[] { ("TlsCaFile", options.TlsCaFile), ("TlsCertFile", options.TlsCertFile), ("TlsKeyFile", options.TlsKeyFile) })
        {
            if (path is not null && !File.Exists(path))
            {
                failures.Add($"NatsOptions.{key} is '{path}', which does not exist; give the path of a readable PEM file.");
            }
        }

        if (options.TlsKeyFile is not null && options.TlsCertFile is null)
        {
            failures.Add("NatsOptions.TlsKeyFile is set without NatsOptions.TlsCertFile; set the client certificate too.");
        }

        Positive(failures, nameof(options.ConnectTimeout), options.ConnectTimeout);
        Positive(failures, nameof(options.PingInterval), options.PingInterval);
        Positive(failures, nameof(options.ReconnectWaitMin), options.ReconnectWaitMin);
        if (options.ReconnectWaitMax < options.ReconnectWaitMin)
        {
            failures.Add($"NatsOptions.ReconnectWaitMax ({options.ReconnectWaitMax}) is below ReconnectWaitMin ({options.ReconnectWaitMin}); make it at least as long.");
        }

        if (options.MaxPingsOutstanding < 1)
        {
            failures.Add($"NatsOptions.MaxPingsOutstanding is {options.MaxPingsOutstanding}; give 1 or more (default 2).");
        }

        if (options.SubscriptionCapacity < 1)
        {
            failures.Add($"NatsOptions.SubscriptionCapacity is {options.SubscriptionCapacity}; give 1 or more messages (default 65536).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Positive(List<string> failures, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero || value > TimeSpan.FromDays(1))
        {
            failures.Add($"NatsOptions.{key} is {value}; give a positive time of at most a day.");
        }
    }
}
