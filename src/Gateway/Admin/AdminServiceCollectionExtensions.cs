using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Perms.Gateway.Auth;
using Perms.Gateway.Hosting;
using Perms.Grains.Interfaces.Admin;

namespace Perms.Gateway.Admin;

/// <summary>Registers the admin API (configuration section <c>Perms:Admin</c>).</summary>
public static class AdminServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates <see cref="AdminAuthenticationOptions"/> at start-up, and registers
    /// <see cref="AdminAuthenticator"/> and <see cref="AdminApi"/> over the silo's <see cref="ISiloAdministration"/>.
    /// Call after <c>AddPermsGateway</c>. Idempotent.
    /// </summary>
    public static IServiceCollection AddPermsAdmin(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AdminAuthenticationOptions>().BindPrintable(configuration, AdminAuthenticationOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AdminAuthenticationOptions>>(new AdminAuthenticationOptionsValidator(configuration)));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new AdminAuthenticator(
            sp.GetRequiredService<IOptions<AdminAuthenticationOptions>>(),
            sp.GetService<CallerAuthenticator>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<AdminAuthenticator>>()));
        services.TryAddSingleton(sp => new AdminApi(sp.GetRequiredService<ISiloAdministration>(), sp.GetService<ILogger<AdminApi>>()));
        return services;
    }
}
