using Perms.Grains.Interfaces.Data;
using Microsoft.Extensions.Options;
using Perms.Grains.Data;
using Perms.Silo.Configuration;

namespace Perms.Silo.Commands;

/// <summary>
/// <c>perms schema check</c>: the start-up schema check as a report, with the DDL for every missing index. Uses the
/// silo's configuration (appsettings.json, <c>Perms__…</c> environment variables, <c>--Perms:Database:…=</c> arguments).
/// Exit code 0: all in place; 1: findings; 2: configuration invalid or database unreachable.
/// </summary>
internal static class SchemaCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Services.AddBetterAuthDatabase(builder.Configuration);
        await using var services = builder.Services.BuildServiceProvider();

        DatabaseOptions options;
        SchemaInspector inspector;
        try
        {
            options = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            inspector = services.GetRequiredService<SchemaInspector>();
        }
        catch (OptionsValidationException e)
        {
            foreach (var failure in e.Failures)
            {
                await error.WriteLineAsync(failure).ConfigureAwait(false);
            }

            return 2;
        }

        IReadOnlyList<SchemaFinding> findings;
        try
        {
            findings = await inspector.CheckAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
        {
            await error.WriteLineAsync($"Cannot reach PostgreSQL: {e.Message}").ConfigureAwait(false);
            return 2;
        }

        var layout = services.GetRequiredService<TableLayout>();
        await output.WriteLineAsync($"Better Auth tables in schema \"{layout.Schema}\", layout {options.Layout}:").ConfigureAwait(false);
        foreach (var (table, columns) in TableLayout.Model)
        {
            await output.WriteLineAsync($"  {table,-17} {layout.QualifiedTable(table)} ({string.Join(", ", columns.Select(c => layout.QuotedColumn(table, c)))})").ConfigureAwait(false);
        }

        if (findings.Count == 0)
        {
            await output.WriteLineAsync("OK: every table and column is readable and every required index exists.").ConfigureAwait(false);
            return 0;
        }

        foreach (var finding in findings)
        {
            var label = finding.Severity == SchemaSeverity.Error ? "ERROR" : "INDEX";
            await output.WriteLineAsync($"{label}: {finding.Message}").ConfigureAwait(false);
        }

        var ddl = findings.Where(f => f.Ddl is not null).Select(f => f.Ddl!).ToList();
        if (ddl.Count > 0)
        {
            await output.WriteLineAsync("-- DDL for the missing indexes (run as the table owner; CONCURRENTLY does not block writes):").ConfigureAwait(false);
            foreach (var statement in ddl)
            {
                await output.WriteLineAsync(statement).ConfigureAwait(false);
            }
        }

        return 1;
    }
}
