using System.Net;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Perms.Cluster;
using Perms.Gateway.Api;
using Perms.Gateway.Hosting;

namespace Perms.Gateway.Routing;

/// <summary>Registers cluster membership and routing (configuration section <c>Perms:Cluster</c>).</summary>
public static class ClusterRoutingServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates <see cref="ClusterOptions"/> (for a silo: <c>Self</c> defaults to the listening address when
    /// it is not a wildcard), and registers the membership provider (started with the host), the router and the
    /// routing API. A silo alone (the default) gets no provider and no routing.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration.</param>
    /// <param name="isSilo">True in a silo (which joins the cluster); false in a gateway process (which only observes).</param>
    public static IServiceCollection AddClusterRouting(this IServiceCollection services, IConfiguration configuration, bool isSilo)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var options = services.AddOptions<ClusterOptions>().BindPrintable(configuration, ClusterOptions.SectionName).ValidateOnStart();
        if (isSilo)
        {
            options.PostConfigure<IOptions<ServerOptions>>((cluster, server) => cluster.Self ??= DefaultSelf(server));
            options.Validate<IOptions<ServerOptions>>(
                (cluster, server) => !cluster.IsClustered || server.ValueOrNull()?.CertificatePath is null,
                $"{ClusterOptions.SectionName}: calls between silos do not speak TLS yet, so a clustered silo cannot listen with {ServerOptions.SectionName}:CertificatePath. Run the cluster on a private network (or a mesh that adds mTLS) without it, or run a single silo.");
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClusterOptions>>(new ClusterOptionsValidator(isSilo)));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new RoutingMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton(sp => MembershipProviderFactory.Create(
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value,
            SelfOf(sp.GetRequiredService<IOptions<ClusterOptions>>().Value, isSilo),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new ClusterAuthenticator(sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ReadTokens()));
        services.TryAddSingleton(sp =>
        {
            var cluster = sp.GetRequiredService<IOptions<ClusterOptions>>().Value;
            return new ClusterRouter(
                sp.GetRequiredService<IMembershipProvider>(),
                SelfOf(cluster, isSilo),
                sp.GetRequiredService<ClusterAuthenticator>(),
                cluster.SuspectDuration,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<RoutingMetrics>(),
                sp.GetRequiredService<ILogger<ClusterRouter>>());
        });
        services.TryAddSingleton(sp => new RoutingPermissionApi(
            sp.GetRequiredService<ClusterRouter>(),
            isSilo ? sp.GetRequiredService<PermissionApi>() : null,
            sp.GetRequiredService<RoutingMetrics>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MembershipHostedService>());
        return services;
    }

    /// <summary>A gateway process's health: SERVING while its cluster view holds a silo. Idempotent.</summary>
    public static IServiceCollection AddClusterHealth(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ClusterHealthProbe>());
        return services;
    }

    private static SiloAddress? SelfOf(ClusterOptions options, bool isSilo) =>
        isSilo && options.Self is { } self ? SiloAddress.Parse(self) : null;

    private static string? DefaultSelf(IOptions<ServerOptions> options)
    {
        // Invalid server options are reported under Perms:Server; the cluster's own problems are still reported with them.
        if (options.ValueOrNull() is not { } server)
        {
            return null;
        }

        return IPAddress.TryParse(server.Address, out var address) && !address.Equals(IPAddress.Any) && !address.Equals(IPAddress.IPv6Any) && server.Port is > 0 and <= 65535
            ? new SiloAddress(server.Address, server.Port).ToString()
            : null;
    }
}
