using Microsoft.Extensions.Logging.Console;

namespace Perms.Gateway.Hosting;

/// <summary>
/// Console logging of a silo or a gateway process: the default text format, or one JSON object per line with
/// <c>Logging:Console:FormatterName=json</c> (the standard console JSON formatter), carrying the W3C trace and span
/// ids of the request in its scopes.
/// </summary>
public static class PermsLoggingExtensions
{
    /// <summary>The configuration section of the console formatters' options.</summary>
    private const string FormatterOptionsSection = "Logging:Console:FormatterOptions";

    /// <summary>
    /// Adds the current Activity's TraceId, SpanId and ParentId to every log scope, and gives the JSON formatter
    /// defaults fit for a log collector — scopes included (so the ids appear), an ISO 8601 UTC timestamp — each used
    /// only when <c>Logging:Console:FormatterOptions</c> does not set it.
    /// </summary>
    public static ILoggingBuilder AddPermsLogging(this ILoggingBuilder logging, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(logging);
        ArgumentNullException.ThrowIfNull(configuration);
        logging.Configure(options => options.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        logging.Services.Configure<JsonConsoleFormatterOptions>(json =>
        {
            var section = configuration.GetSection(FormatterOptionsSection);
            if (section[nameof(JsonConsoleFormatterOptions.IncludeScopes)] is null)
            {
                json.IncludeScopes = true;
            }

            if (section[nameof(JsonConsoleFormatterOptions.TimestampFormat)] is null)
            {
                json.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fffzzz";
            }

            if (section[nameof(JsonConsoleFormatterOptions.UseUtcTimestamp)] is null)
            {
                json.UseUtcTimestamp = true;
            }
        });
        return logging;
    }
}
