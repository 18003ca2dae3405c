using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Perms.Grains.Permissions;
using Perms.Grains.Policy;

namespace Perms.Silo.Configuration;

/// <summary>Registers the policy.</summary>
public static class PolicyServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="PolicyOptions"/>, validates the policy file at start-up (the host refuses to start on an invalid
    /// one) and registers the <see cref="CompiledPolicy"/> singleton. Idempotent.
    /// </summary>
    public static IServiceCollection AddPermsPolicy(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<PolicyOptions>().Bind(configuration.GetSection(PolicyOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PolicyOptions>, PolicyOptionsValidator>());
        services.TryAddSingleton(sp =>
        {
            var path = sp.GetRequiredService<IOptions<PolicyOptions>>().Value.Path;
            return new CompiledPolicy(path is null ? BetterAuthDefaults.Policy : PolicyParser.ParseFile(path));
        });
        return services;
    }
}
