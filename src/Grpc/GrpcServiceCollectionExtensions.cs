using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Perms.Grpc.Internal;

namespace Perms.Grpc;

/// <summary>Registers the gRPC server wire layer.</summary>
public static class GrpcServiceCollectionExtensions
{
    /// <summary>
    /// Adds what <see cref="GrpcEndpointRouteBuilderExtensions"/> needs: <see cref="GrpcServerOptions"/> (validated at
    /// start-up), a <see cref="TimeProvider"/> (the system's unless one is registered) and routing. Idempotent; each call
    /// adds its <paramref name="configure"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options; null keeps the defaults (4 MiB messages both ways).</param>
    /// <returns>The same collection.</returns>
    public static IServiceCollection AddGrpcWire(this IServiceCollection services, Action<GrpcServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<GrpcServerOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GrpcServerOptions>, GrpcServerOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<GrpcServerRuntime>();
        services.AddRouting();
        return services;
    }
}
