using Microsoft.Extensions.DependencyInjection.Extensions;
using Perms.Gateway.Hosting;

namespace Perms.Silo.Configuration;

/// <summary>Registers the silo's gRPC endpoint options and the database probe behind its health status.</summary>
public static class SiloServerServiceCollectionExtensions
{
    /// <summary>Binds and validates <see cref="ServerOptions"/> and adds the health probe. Idempotent.</summary>
    public static IServiceCollection AddSiloServer(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddPermsEndpoint(configuration);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, DatabaseHealthProbe>());
        return services;
    }
}
