using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Perms.Grains.Interfaces.Admin;
using Perms.Grains.Permissions;
using Perms.Gateway.Hosting;

namespace Perms.Silo.Configuration;

/// <summary>Registers the policy.</summary>
public static class PolicyServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="PolicyOptions"/>, validates the policy file at start-up (the host refuses to start on an invalid
    /// one) and registers the <see cref="LoadedPolicyInfo"/> (the bytes, their hash, when) and <see cref="CompiledPolicy"/> singletons. Idempotent.
    /// </summary>
    public static IServiceCollection AddPermsPolicy(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<PolicyOptions>().BindPrintable(configuration, PolicyOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PolicyOptions>, PolicyOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        // Read once: the admin API reports the hash of exactly the bytes the compiled policy came from.
        services.TryAddSingleton(sp => LoadedPolicy.Load(sp.GetRequiredService<IOptions<PolicyOptions>>().Value.Path, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new CompiledPolicy(sp.GetRequiredService<LoadedPolicyInfo>().Document));
        return services;
    }
}
