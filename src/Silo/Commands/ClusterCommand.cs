using Microsoft.Extensions.Options;
using Perms.Silo.Clustering;
using Perms.Silo.Configuration;

namespace Perms.Silo.Commands;

/// <summary>
/// <c>perms cluster migrate</c>: creates or updates Orleans' membership tables and queries in Perms' own schema, with
/// the silo's configuration (<c>Perms:Orleans:ConnectionString</c>, <c>Perms:Orleans:Schema</c>). Idempotent: run it
/// before every deployment (a Kubernetes Job or init container). Exit code 0: done; 1: PostgreSQL refused;
/// 2: usage, configuration invalid or database unreachable.
/// </summary>
internal static class ClusterCommand
{
    public const string Usage = "usage: perms cluster migrate [--Perms:Orleans:ConnectionString=...] [--Perms:Orleans:Schema=perms_orleans]";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        if (args is not ["migrate", .. var settings])
        {
            await error.WriteLineAsync(Usage).ConfigureAwait(false);
            return 2;
        }

        var builder = Host.CreateApplicationBuilder(settings);
        builder.Services.AddOptions<OrleansSiloOptions>().Bind(builder.Configuration.GetSection(OrleansSiloOptions.SectionName));
        builder.Services.AddSingleton<IValidateOptions<OrleansSiloOptions>, OrleansSiloOptionsValidator>();
        await using var services = builder.Services.BuildServiceProvider();
        OrleansSiloOptions options;
        try
        {
            options = services.GetRequiredService<IOptions<OrleansSiloOptions>>().Value;
        }
        catch (Exception e) when (e is OptionsValidationException or InvalidOperationException)
        {
            var failures = e is OptionsValidationException validation ? validation.Failures : [e.Message];
            foreach (var failure in failures)
            {
                await error.WriteLineAsync("perms cluster migrate: " + failure).ConfigureAwait(false);
            }

            return 2;
        }

        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            await error.WriteLineAsync($"perms cluster migrate: {OrleansSiloOptions.SectionName}:{nameof(options.ConnectionString)} is required (a role that may create the schema {options.Schema})").ConfigureAwait(false);
            return 2;
        }

        try
        {
            await MembershipMigration.ApplyAsync(options, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Npgsql.PostgresException e)
        {
            await error.WriteLineAsync($"perms cluster migrate: PostgreSQL refused the migration: {e.MessageText} ({e.SqlState})").ConfigureAwait(false);
            return 1;
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            await error.WriteLineAsync($"perms cluster migrate: cannot reach PostgreSQL: {e.Message}").ConfigureAwait(false);
            return 2;
        }

        await output.WriteLineAsync($"Orleans membership tables and queries are up to date in schema \"{options.Schema}\".").ConfigureAwait(false);
        return 0;
    }
}
