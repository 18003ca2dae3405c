using Microsoft.Extensions.Options;

namespace Perms.Gateway.Hosting.Metrics;

/// <summary>
/// Puts the metrics port's handling first in the pipeline: a request that arrived on it gets GET /metrics (or 404, or
/// 405) and never reaches routing, so no gRPC method is served there; requests on the gRPC port pass through, and have
/// no /metrics (nothing maps it).
/// </summary>
internal sealed class MetricsStartupFilter(IOptions<MetricsOptions> metrics) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        var options = metrics.Value;
        if (options.Enabled)
        {
            var port = options.Port;
            var exporter = app.ApplicationServices.GetRequiredService<PrometheusExporter>();
            app.Use((context, nextMiddleware) => context.Connection.LocalPort == port ? ServeAsync(context, exporter) : nextMiddleware(context));
        }

        next(app);
    };

    private static Task ServeAsync(HttpContext context, PrometheusExporter exporter)
    {
        var request = context.Request;
        if (!string.Equals(request.Path.Value, "/metrics", StringComparison.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = "GET, HEAD";
            return Task.CompletedTask;
        }

        context.Response.ContentType = PrometheusText.ContentType;
        context.Response.Headers.CacheControl = "no-store";
        return HttpMethods.IsHead(request.Method) ? Task.CompletedTask : context.Response.WriteAsync(exporter.Scrape(), context.RequestAborted);
    }
}
