using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Perms.Gateway.Hosting.Metrics;

/// <summary>The Prometheus endpoint of a silo or a gateway process (configuration section <c>Perms:Metrics</c>).</summary>
public static class MetricsServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates <see cref="MetricsOptions"/> (the address defaults to <c>Perms:Server:Address</c>); when
    /// enabled, registers the <see cref="PrometheusExporter"/> (meters named <c>Perms*</c>) and the
    /// <c>Perms.Process</c> meter, adds Kestrel's HTTP/1.1 listener on <see cref="MetricsOptions.Port"/> and serves
    /// GET /metrics there, first in the pipeline and on that port only. Idempotent.
    /// </summary>
    public static IServiceCollection AddPermsMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<MetricsOptions>().BindPrintable(configuration, MetricsOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MetricsOptions>, MetricsOptionsValidator>());
        services.AddMetrics();
        services.TryAddSingleton(sp => new ProcessMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton(sp =>
        {
            var exporter = PrometheusExporter.ForPerms(sp.GetService<IMeterFactory>());
            sp.GetRequiredService<ProcessMetrics>();
            return exporter;
        });
        services.TryAddEnumerable(ServiceDescriptor.Transient<IConfigureOptions<KestrelServerOptions>, MetricsKestrelSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Transient<IStartupFilter, MetricsStartupFilter>());
        return services;
    }
}
