using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Perms.Gateway.Hosting;
using Perms.Grains;
using Perms.Grains.Caching;
using Perms.Grains.Interfaces.Checks;
using Perms.Grains.State;
using Perms.Silo.Grains;

namespace Perms.Silo.Configuration;

/// <summary>Registers what the UserGrain and OrganizationGrain of this silo share, and the checker over them.</summary>
public static class GrainServiceCollectionExtensions
{
    /// <summary>
    /// Registers each grain type's lifetimes (<see cref="GrainServices.UserSection"/>,
    /// <see cref="GrainServices.OrganizationSection"/>), the consistency options (<c>Perms:Consistency</c>), the grain
    /// metrics, this silo's activation indexes, <see cref="GrainServices"/>, <see cref="IGrainInvalidator"/> and
    /// <see cref="IPermissionChecker"/> over Orleans. Needs <c>AddPermsPolicy</c>, <c>AddBetterAuthDatabase</c> and an
    /// Orleans silo (<c>UsePermsOrleans</c>). Idempotent.
    /// </summary>
    public static IServiceCollection AddPermsGrains(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<GrainStateOptions>(GrainServices.UserSection).BindPrintable(configuration, GrainServices.UserSection).ValidateOnStart();
        services.AddOptions<GrainStateOptions>(GrainServices.OrganizationSection).BindPrintable(configuration, GrainServices.OrganizationSection).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GrainStateOptions>, GrainStateOptionsValidator>());
        services.AddOptions<ConsistencyOptions>().BindPrintable(configuration, ConsistencyOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConsistencyOptions>, ConsistencyOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new GrainMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton(sp => new LocalActivations<CompiledUserState>("user", sp.GetRequiredService<GrainMetrics>()));
        services.TryAddSingleton(sp => new LocalActivations<CompiledOrganizationState>("organization", sp.GetRequiredService<GrainMetrics>()));
        services.TryAddSingleton<GrainServices>();
        services.TryAddSingleton<IGrainInvalidator, GrainInvalidator>();
        services.TryAddSingleton<GrainReferences>();
        services.TryAddSingleton<IPermissionChecker, GrainPermissionChecker>();
        return services;
    }
}
