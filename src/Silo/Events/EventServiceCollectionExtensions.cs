using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Perms.Nats;
using Perms.Silo.Grains;
using Perms.Gateway.Hosting;

namespace Perms.Silo.Events;

/// <summary>Registers the change-event subscription.</summary>
public static class EventServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ChangeEventHandler"/>, its metrics and — unless <c>Perms:Events:Enabled</c> is false — the
    /// NATS subscription that feeds it (options from <c>Perms:Events</c>). Needs <c>AddPermsGrains</c>. Idempotent.
    /// </summary>
    public static IServiceCollection AddChangeEvents(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<EventOptions>().BindPrintable(configuration, EventOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EventOptions>, EventOptionsValidator>());
        services.TryAddSingleton(sp => new EventMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton(sp => new ChangeEventHandler(
            sp.GetRequiredService<IGrainInvalidator>(),
            sp.GetRequiredService<EventMetrics>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ChangeEventHandler>>(),
            sp.GetRequiredService<IOptions<EventOptions>>().Value.SubjectPrefix ?? ""));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, EventSubscriptionHostedService>());
        return services;
    }

    /// <summary>The NATS client options for <paramref name="options"/> (secrets read from their files).</summary>
    internal static NatsOptions ToNatsOptions(EventOptions options)
    {
        var nats = new NatsOptions
        {
            Servers = [.. options.Url.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(u => new Uri(u))],
            Name = "perms-silo",
            Token = options.TokenFile is { } tokenFile ? File.ReadAllText(tokenFile).TrimEnd() : options.Token,
            User = options.User,
            Password = options.PasswordFile is { } passwordFile ? File.ReadAllText(passwordFile).TrimEnd() : options.Password,
            TlsRequired = options.TlsRequired,
            TlsCaFile = options.TlsCaFile,
            TlsCertFile = options.TlsCertFile,
            TlsKeyFile = options.TlsKeyFile,
            PingInterval = options.PingInterval,
            ReconnectWaitMax = options.ReconnectWaitMax,
            SubscriptionCapacity = options.QueueCapacity,
        };
        if (nats.ReconnectWaitMin > nats.ReconnectWaitMax)
        {
            nats.ReconnectWaitMin = nats.ReconnectWaitMax;
        }

        return nats;
    }
}
