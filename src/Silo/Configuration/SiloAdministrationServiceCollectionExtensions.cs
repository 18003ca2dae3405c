using Microsoft.Extensions.DependencyInjection.Extensions;
using Perms.Gateway.Admin;
using Perms.Grains.Interfaces.Admin;
using Perms.Silo.Admin;

namespace Perms.Silo.Configuration;

/// <summary>Registers the admin API of a silo.</summary>
public static class SiloAdministrationServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ISiloAdministration"/> over the cluster's grains (each silo's <see cref="SiloCacheControl"/>) and the loaded policy, and the admin API
    /// (<c>Perms:Admin</c>, see <see cref="AdminServiceCollectionExtensions.AddPermsAdmin"/>). Needs
    /// <c>AddPermsPolicy</c> and <c>AddPermsGrains</c>. Idempotent.
    /// </summary>
    public static IServiceCollection AddSiloAdministration(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton<SiloCacheControlClient>();
        services.TryAddSingleton<ISiloAdministration, SiloAdministration>();
        return services.AddPermsAdmin(configuration);
    }
}
