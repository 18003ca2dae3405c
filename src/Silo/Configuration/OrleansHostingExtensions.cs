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
    /// (development clustering with itself as the primary), each grain type's collection age from
    /// <c>Perms:Grains:*:CollectionAge</c>, and activation shedding under memory pressure. The options are applied when
    /// the silo starts, after the start-up validation has reported every invalid key.
    /// </summary>
    public static WebApplicationBuilder UsePermsOrleans(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<OrleansSiloOptions>().BindPrintable(builder.Configuration, OrleansSiloOptions.SectionName).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OrleansSiloOptions>, OrleansSiloOptionsValidator>());

        // Orleans' placement runs through a Polly pipeline that logs every execution at Information: one line per
        // activation. Nothing is logged per successful check here; configuration can still lower the level.
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            silo.UseDevelopmentClustering(membership => membership.Configure<IOptions<OrleansSiloOptions>>(
                (dev, perms) => dev.PrimarySiloEndpoint = new IPEndPoint(IPAddress.Loopback, perms.Value.SiloPort)));
            silo.Services.AddOptions<EndpointOptions>().Configure<IOptions<OrleansSiloOptions>>((endpoint, perms) =>
            {
                endpoint.AdvertisedIPAddress = IPAddress.Loopback;
                endpoint.SiloPort = perms.Value.SiloPort;
                endpoint.GatewayPort = perms.Value.GatewayPort;
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
}
