using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Perms.Grains.Activation;
using Perms.Grains.Data;
using Perms.Grains.Interfaces.Checks;
using Perms.Grains.Permissions;
using Perms.Silo.Runtime;
using Perms.Gateway.Hosting;

namespace Perms.Silo.Configuration;

/// <summary>Registers the grain runtime.</summary>
public static class GrainRuntimeServiceCollectionExtensions
{
    /// <summary>The configuration section of UserGrain lifetimes.</summary>
    public const string UserSection = "Perms:Grains:User";

    /// <summary>The configuration section of OrganizationGrain lifetimes.</summary>
    public const string OrganizationSection = "Perms:Grains:Organization";

    /// <summary>
    /// Registers the user and organization catalogs (options from <see cref="UserSection"/> and
    /// <see cref="OrganizationSection"/>), their activators, the consistency options (<c>Perms:Consistency</c>), the runtime metrics and <see cref="IPermissionChecker"/>.
    /// Needs <c>AddPermsPolicy</c> and <c>AddBetterAuthDatabase</c>. Idempotent.
    /// </summary>
    public static IServiceCollection AddGrainRuntime(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<GrainCatalogOptions>(UserSection).BindPrintable(configuration, UserSection).ValidateOnStart();
        services.AddOptions<GrainCatalogOptions>(OrganizationSection).BindPrintable(configuration, OrganizationSection).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GrainCatalogOptions>, GrainCatalogOptionsValidator>());
        services.AddOptions<ConsistencyOptions>().BindPrintable(configuration, ConsistencyOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConsistencyOptions>, ConsistencyOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new GrainRuntimeMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton<IGrainActivator<UserGrain>>(sp => new UserGrainActivator(sp.GetRequiredService<IBetterAuthReader>(), sp.GetRequiredService<CompiledPolicy>()));
        services.TryAddSingleton<IGrainActivator<OrganizationGrain>>(sp => new OrganizationGrainActivator(sp.GetRequiredService<IBetterAuthReader>(), sp.GetRequiredService<CompiledPolicy>()));
        services.TryAddSingleton(sp => new GrainCatalog<UserGrain>(
            "user",
            sp.GetRequiredService<IGrainActivator<UserGrain>>(),
            sp.GetRequiredService<IOptionsMonitor<GrainCatalogOptions>>().Get(UserSection),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<GrainRuntimeMetrics>(),
            sp.GetRequiredService<ILogger<GrainCatalog<UserGrain>>>()));
        services.TryAddSingleton(sp => new GrainCatalog<OrganizationGrain>(
            "organization",
            sp.GetRequiredService<IGrainActivator<OrganizationGrain>>(),
            sp.GetRequiredService<IOptionsMonitor<GrainCatalogOptions>>().Get(OrganizationSection),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<GrainRuntimeMetrics>(),
            sp.GetRequiredService<ILogger<GrainCatalog<OrganizationGrain>>>()));
        services.TryAddSingleton<IPermissionChecker>(sp => new SiloPermissionChecker(
            sp.GetRequiredService<GrainCatalog<UserGrain>>(),
            sp.GetRequiredService<GrainCatalog<OrganizationGrain>>(),
            sp.GetRequiredService<CompiledPolicy>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<ConsistencyOptions>>().Value.ClockSkewMargin));
        return services;
    }
}
