using Microsoft.Extensions.Options;
using Perms.Grains.Data;

namespace Perms.Silo.Configuration;

/// <summary>Runs the schema check at start-up: a missing table or column stops the process; a missing index warns or stops, as configured.</summary>
internal sealed partial class SchemaCheckHostedService(SchemaInspector inspector, IOptions<DatabaseOptions> options, ILogger<SchemaCheckHostedService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.CheckSchemaAtStartup)
        {
            return;
        }

        IReadOnlyList<SchemaFinding> findings;
        try
        {
            findings = await inspector.CheckAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
        {
            throw new InvalidOperationException($"The schema check could not reach PostgreSQL ({e.Message}). Check {DatabaseOptions.SectionName}:ConnectionString and that the database is up.", e);
        }

        foreach (var finding in findings)
        {
            if (finding.Severity == SchemaSeverity.MissingIndex && options.Value.MissingIndexes == MissingIndexPolicy.Warn)
            {
                LogMissingIndex(finding.Message, finding.Ddl);
            }
            else
            {
                LogSchemaError(finding.Message, finding.Ddl);
            }
        }

        var fatal = findings.Where(f => f.Severity == SchemaSeverity.Error || options.Value.MissingIndexes == MissingIndexPolicy.Fail).ToList();
        if (fatal.Count > 0)
        {
            throw new InvalidOperationException(
                $"The Better Auth schema check failed ({fatal.Count} problem{(fatal.Count == 1 ? "" : "s")}); run `perms schema check` for the report:"
                + string.Concat(fatal.Select(f => Environment.NewLine + "  " + f.Message + (f.Ddl is null ? "" : Environment.NewLine + "    fix: " + f.Ddl))));
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schema check: {Problem}. Create it with: {Ddl}")]
    private partial void LogMissingIndex(string problem, string? ddl);

    [LoggerMessage(Level = LogLevel.Error, Message = "Schema check: {Problem} {Ddl}")]
    private partial void LogSchemaError(string problem, string? ddl);
}
