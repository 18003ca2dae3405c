using Npgsql;
using Perms.Grains.Interfaces.Data;

namespace Perms.LoadTest.Generation;

/// <summary><c>perms-loadtest generate</c>: fills a Better Auth schema with a synthetic dataset.</summary>
internal static class GenerateCommand
{
    public const string Usage = """
        usage: perms-loadtest generate --connection CONNSTRING [--schema public] [--layout better-auth-default]
                                       [--users 1000] [--organizations 100] [--memberships 3000] [--seed 42]
                                       [--zipf 0.9] [--replace]
          The Better Auth tables must exist (Better Auth's migration creates them; see src/LoadTest/README.md).
          --connection   Npgsql connection string of the tables' owner (a superuser makes COPY faster)
          --layout       better-auth-default | plural-snake | use-plural
          --replace      empty the Better Auth tables first (TRUNCATE … CASCADE)
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var options = CommandLine.Parse(args, ["connection", "schema", "layout", "users", "organizations", "memberships", "seed", "zipf"], ["replace"], out var problems);
        var connection = options.GetValueOrDefault("connection") ?? Environment.GetEnvironmentVariable("PERMS_LOADTEST_CONNECTION");
        if (connection is null)
        {
            problems.Add("--connection is required (or set PERMS_LOADTEST_CONNECTION)");
        }

        var spec = new DatasetSpec(
            CommandLine.Int(options, "users", 1000, problems),
            CommandLine.Int(options, "organizations", 100, problems),
            CommandLine.Long(options, "memberships", 3000, problems),
            CommandLine.Int(options, "seed", 42, problems),
            CommandLine.Double(options, "zipf", 0.9, problems));
        problems.AddRange(spec.Validate());
        var layout = TableLayout.Create(options.GetValueOrDefault("layout") ?? TableLayout.BetterAuthDefault, options.GetValueOrDefault("schema") ?? "public", null, null, "--layout/--schema", problems);
        if (problems.Count > 0 || layout is null)
        {
            foreach (var problem in problems)
            {
                await error.WriteLineAsync(problem).ConfigureAwait(false);
            }

            await error.WriteLineAsync(Usage).ConfigureAwait(false);
            return 2;
        }

        var builder = new NpgsqlConnectionStringBuilder(connection) { NoResetOnClose = true, CommandTimeout = 0 };
        await using var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        try
        {
            await new DatasetGenerator(dataSource, layout, output).GenerateAsync(spec, options.ContainsKey("replace"), CancellationToken.None).ConfigureAwait(false);
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or NpgsqlException)
        {
            await error.WriteLineAsync($"generate failed: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }
}
