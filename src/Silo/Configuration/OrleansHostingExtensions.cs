using System.Net;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Perms.Gateway.Hosting;
using Perms.Grains;
using Perms.Grains.Caching;

namespace Perms.Silo.Configuration;

/// <summary>Makes the process an Orleans silo hosting the UserGrain and OrganizationGrain.</summary>
public static class OrleansHostingExtensions
{
    /// <summary>
    /// <c>UseOrleans</c> with the options of <see cref="OrleansSiloOptions.SectionName"/>: one silo on localhost
    /// (development clustering with itself as the primary) or silos joined by Orleans' ADO.NET clustering on
    /// PostgreSQL (with Kubernetes hosting inside a pod), each grain type's collection age from
    /// <c>Perms:Grains:*:CollectionAge</c>, and activation shedding under memory pressure. The options are applied when
    /// the silo starts, after the start-up validation has reported every invalid key.
    /// </summary>
    public static WebApplicationBuilder UsePermsOrleans(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<OrleansSiloOptions>().BindPrintable(builder.Configuration, OrleansSiloOptions.SectionName).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OrleansSiloOptions>, OrleansSiloOptionsValidator>());
        builder.Services.AddOptions<Clustering.SiloTlsOptions>().BindPrintable(builder.Configuration, Clustering.SiloTlsOptions.SectionName).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Clustering.SiloTlsOptions>, Clustering.SiloTlsOptionsValidator>());

        // Orleans' placement runs through a Polly pipeline that logs every execution at Information: one line per
        // activation. Nothing is logged per successful check here; configuration can still lower the level.
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        // The membership provider is chosen while the host is built; every other value is read when the silo starts,
        // after the start-up validation has reported every invalid key.
        var clustering = builder.Configuration[$"{OrleansSiloOptions.SectionName}:{nameof(OrleansSiloOptions.Clustering)}"];
        var postgres = string.Equals(clustering, OrleansSiloOptions.PostgresClustering, StringComparison.OrdinalIgnoreCase);
        var inPod = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST"));

        // Orleans' TLS is wired while the host is built; the files are read on first use, after validation.
        var tlsOptions = new Clustering.SiloTlsOptions();
        builder.Configuration.GetSection(Clustering.SiloTlsOptions.SectionName).Bind(tlsOptions, o => o.ErrorOnUnknownConfiguration = false);
        builder.UseOrleans(silo =>
        {
            if (postgres)
            {
                silo.UseAdoNetClustering(membership => membership.Configure<IOptions<OrleansSiloOptions>>((adoNet, perms) =>
                {
                    adoNet.Invariant = "Npgsql";
                    adoNet.ConnectionString = MembershipConnectionString(perms.Value);
                }));

                // Orleans' Kubernetes hosting aborts the process outside a pod (it needs the in-cluster API).
                if (inPod)
                {
                    silo.UseKubernetesHosting();
                }
            }
            else
            {
                silo.UseDevelopmentClustering(membership => membership.Configure<IOptions<OrleansSiloOptions>>(
                    (dev, perms) => dev.PrimarySiloEndpoint = new IPEndPoint(IPAddress.Loopback, perms.Value.SiloPort)));
            }

            // The default placement, for UserGrain (OrganizationGrain is a stateless worker: one per silo). The options are
            // validated before the silo starts; an invalid value never gets here.
            silo.Services.Replace(ServiceDescriptor.Singleton<PlacementStrategy>(sp =>
                PlacementOf(sp.GetRequiredService<IOptions<OrleansSiloOptions>>().Value.Placement) ?? new HashBasedPlacement()));

            if (tlsOptions.Enabled)
            {
                silo.UseTls(new Clustering.SiloTls(tlsOptions).Configure);
            }

            // Each silo's part of an operator's cluster-wide action (the admin API).
            silo.AddGrainService<Admin.SiloCacheControl>();

            silo.Services.AddOptions<EndpointOptions>().Configure<IOptions<OrleansSiloOptions>>((endpoint, perms) =>
            {
                var options = perms.Value;
                if (options.AdvertisedAddress is { } address)
                {
                    endpoint.AdvertisedIPAddress = IPAddress.Parse(address);
                }
                else if (!options.IsPostgres)
                {
                    endpoint.AdvertisedIPAddress = IPAddress.Loopback;
                }

                endpoint.SiloPort = options.SiloPort;
                endpoint.GatewayPort = options.GatewayPort;
            });
            silo.Services.AddOptions<ClusterMembershipOptions>().Configure<IOptions<OrleansSiloOptions>>((membership, perms) =>
            {
                membership.ProbeTimeout = perms.Value.ProbeTimeout;
                membership.NumMissedProbesLimit = perms.Value.MissedProbesLimit;
            });
            silo.Services.AddOptions<ClusterOptions>().Configure<IOptions<OrleansSiloOptions>>((cluster, perms) =>
            {
                cluster.ClusterId = perms.Value.ClusterId;
                cluster.ServiceId = perms.Value.ServiceId;
            });
            silo.Services.AddOptions<GrainCollectionOptions>().Configure<IOptionsMonitor<GrainStateOptions>, IOptions<OrleansSiloOptions>>((collection, grains, perms) =>
            {
                var user = grains.Get(GrainServices.UserSection).CollectionAge;
                var organization = grains.Get(GrainServices.OrganizationSection).CollectionAge;
                collection.ClassSpecificCollectionAge[typeof(UserGrain).FullName!] = user;
                collection.ClassSpecificCollectionAge[typeof(OrganizationGrain).FullName!] = organization;

                // Orleans requires every collection age to exceed the quantum (1 min by default).
                var shortest = user < organization ? user : organization;
                if (shortest <= collection.CollectionQuantum)
                {
                    collection.CollectionQuantum = shortest / 2;
                }

                collection.EnableActivationSheddingOnMemoryPressure = perms.Value.ShedActivationsOnMemoryPressure;
                collection.MemoryUsageLimitPercentage = perms.Value.MemoryUsageLimitPercentage;
                collection.MemoryUsageTargetPercentage = perms.Value.MemoryUsageTargetPercentage;
            });
        });
        return builder;
    }

    /// <summary>The ports Orleans will listen on: the silo port and, when set, the client gateway port (every interface).</summary>
    public static IEnumerable<Perms.Gateway.Hosting.PortClaim> Ports(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.GetRequiredService<IOptions<OrleansSiloOptions>>().Value;
        yield return new($"{OrleansSiloOptions.SectionName}:{nameof(OrleansSiloOptions.SiloPort)}", IPAddress.Any, options.SiloPort);
        if (options.GatewayPort != 0)
        {
            yield return new($"{OrleansSiloOptions.SectionName}:{nameof(OrleansSiloOptions.GatewayPort)}", IPAddress.Any, options.GatewayPort);
        }
    }

    /// <summary>The Orleans placement strategy a <see cref="OrleansSiloOptions.Placement"/> value names; null for none.</summary>
    internal static PlacementStrategy? PlacementOf(string? name) => name?.ToLowerInvariant() switch
    {
        "hash" => new HashBasedPlacement(),
        "random" => new RandomPlacement(),
        "prefer-local" => new PreferLocalPlacement(),
        "resource-optimized" => new ResourceOptimizedPlacement(),
        _ => null,
    };

    /// <summary>The membership connection string: the configured one with the membership schema as its search path.</summary>
    internal static string MembershipConnectionString(OrleansSiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new Npgsql.NpgsqlConnectionStringBuilder(options.ConnectionString) { SearchPath = options.Schema }.ConnectionString;
    }
}
