using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Perms.Gateway.Hosting.Metrics;

/// <summary>Adds Kestrel's second listener, plain HTTP/1.1, for GET /metrics; and starts the exporter before Kestrel serves.</summary>
internal sealed class MetricsKestrelSetup(IOptions<MetricsOptions> metrics, IOptions<ServerOptions> server, IServiceProvider services)
    : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions options)
    {
        MetricsOptions value;
        ServerOptions endpoint;
        try
        {
            value = metrics.Value;
            endpoint = server.Value;
        }
        catch (Exception e) when (e is OptionsValidationException or InvalidOperationException)
        {
            // Kestrel's options are built with the application, before the start-up validation that reports every
            // invalid option at once (and stops the process); throwing here would report only this one.
            return;
        }

        if (!value.Enabled)
        {
            return;
        }

        // The exporter listens from now on, before the first call: nothing recorded by a served call is missed.
        services.GetRequiredService<PrometheusExporter>();
        var address = IPAddress.Parse(value.Address ?? endpoint.Address);
        options.Listen(address, value.Port, listen => listen.Protocols = HttpProtocols.Http1);
    }
}
