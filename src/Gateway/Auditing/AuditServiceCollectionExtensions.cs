using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Perms.Gateway.Hosting;

namespace Perms.Gateway.Auditing;

/// <summary>Registers the per-decision audit log (configuration section <c>Perms:Audit</c>).</summary>
public static class AuditServiceCollectionExtensions
{
    /// <summary>Binds and validates <see cref="AuditOptions"/> (at start-up) and registers <see cref="AuditLog"/>. Idempotent.</summary>
    public static IServiceCollection AddPermsAudit(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AuditOptions>().BindPrintable(configuration, AuditOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuditOptions>, AuditOptionsValidator>());
        services.TryAddSingleton<AuditLog>();
        return services;
    }
}
