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
        // Invalid options: the start-up validation reports them (every one at once) and stops the process.
        if (metrics.ValueOrNull() is not { } value || server.ValueOrNull() is not { } endpoint)
        {
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
