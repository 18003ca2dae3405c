using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Perms.Gateway.Api;
using Perms.Gateway.Auditing;
using Perms.Gateway.Auth;
using Perms.Gateway.Health;
using Perms.Grpc;
using Perms.Gateway.Hosting;

namespace Perms.Gateway;

/// <summary>Registers the public gRPC front door.</summary>
public static class GatewayServiceCollectionExtensions
{
    /// <summary>
    /// Registers caller authentication (<c>Perms:Auth</c>, validated at start-up), the audit log (<c>Perms:Audit</c>), the health reporter, the API
    /// classes and the gRPC wire layer. An <see cref="Grains.Interfaces.Checks.IPermissionChecker"/> must be registered
    /// (the silo's, when co-hosted). Idempotent.
    /// </summary>
    public static IServiceCollection AddPermsGateway(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<CallerAuthenticationOptions>().BindPrintable(configuration, CallerAuthenticationOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CallerAuthenticationOptions>, CallerAuthenticationOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<CallerAuthenticator>();
        services.TryAddSingleton<HealthReporter>();
        services.TryAddSingleton<HealthApi>();
        services.AddPermsAudit(configuration);
        services.TryAddSingleton<PermissionApi>();
        services.AddGrpcWire();
        return services;
    }
}
