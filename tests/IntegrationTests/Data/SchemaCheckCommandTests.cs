using System.Diagnostics;
using Npgsql;
using Perms.IntegrationTests.Infrastructure;

namespace Perms.IntegrationTests.Data;

/// <summary>
/// <c>perms schema check</c> run as the real silo process (the Release build of src/Silo), with its configuration given
/// on the command line as an operator would. Its output is shown in failures with the password blanked out.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SchemaCheckCommandTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_schema_missing_indexes_exits_1_with_their_DDL_and_exits_0_with_OK_once_that_DDL_has_run()
    {
        await using var database = await BetterAuthDatabase.CreateAsync("default", dynamic: true);
        var schema = database.Schema;
        string[] arguments =
        [
            $"--Perms:Database:ConnectionString={database.ReaderConnectionString}",
            $"--Perms:Database:Schema={schema}",
            "--Perms:Database:Layout=better-auth-default",
        ];

        var missing = await RunSchemaCheckAsync(arguments, database.ReaderConnectionString);

        Assert.True(missing.ExitCode == 1, $"expected exit code 1 (findings); {missing}");
        var ddl = missing.Output.Where(line => line.StartsWith("CREATE INDEX", StringComparison.Ordinal)).ToList();
        Assert.True(
            ddl.SequenceEqual(
            [
                $"""CREATE INDEX CONCURRENTLY IF NOT EXISTS "user_role_perms_idx" ON "{schema}"."user" ("role");""",
                $"""CREATE INDEX CONCURRENTLY IF NOT EXISTS "member_userId_organizationId_perms_idx" ON "{schema}"."member" ("userId", "organizationId");""",
                $"""CREATE INDEX CONCURRENTLY IF NOT EXISTS "member_organizationId_role_perms_idx" ON "{schema}"."member" ("organizationId", "role");""",
            ]),
            $"the printed DDL is not the three missing indexes; {missing}");
        Assert.True(missing.Output.Count(line => line.StartsWith("INDEX: ", StringComparison.Ordinal)) == 3, $"expected three INDEX lines; {missing}");
        Assert.False(missing.Output.Any(line => line.StartsWith("ERROR", StringComparison.Ordinal)), $"no table or column is missing; {missing}");

        foreach (var statement in ddl)
        {
            await database.ExecuteAsSuperuserAsync(statement);
        }

        var complete = await RunSchemaCheckAsync(arguments, database.ReaderConnectionString);

        Assert.True(complete.ExitCode == 0, $"expected exit code 0 once the indexes exist; {complete}");
        Assert.True(complete.Output.Any(line => line.StartsWith("OK", StringComparison.Ordinal)), $"expected an OK line; {complete}");
        Assert.False(complete.Output.Any(line => line.StartsWith("CREATE INDEX", StringComparison.Ordinal)), $"no DDL once the indexes exist; {complete}");
    }

    [Fact]
    public async Task A_missing_connection_string_exits_2_naming_the_configuration_key()
    {
        var result = await RunSchemaCheckAsync(["--Perms:Database:Layout=better-auth-default"], connectionString: null);

        Assert.True(result.ExitCode == 2, $"expected exit code 2 (invalid configuration); {result}");
        Assert.True(result.Error.Any(line => line.Contains("Perms:Database:ConnectionString", StringComparison.Ordinal)), $"stderr must name Perms:Database:ConnectionString; {result}");
    }

    [Fact]
    public async Task An_unknown_layout_exits_2_saying_the_layout_is_unknown()
    {
        // Nothing listens there: the layout must be refused before any connection is tried.
        const string ConnectionString = "Host=127.0.0.1;Port=1;Username=perms_reader;Password=never-shown;Database=app";

        var result = await RunSchemaCheckAsync(
            [$"--Perms:Database:ConnectionString={ConnectionString}", "--Perms:Database:Layout=sideways"],
            ConnectionString);

        Assert.True(result.ExitCode == 2, $"expected exit code 2 (invalid configuration); {result}");
        Assert.True(result.Error.Any(line => line.Contains("unknown layout", StringComparison.Ordinal) && line.Contains("sideways", StringComparison.Ordinal)), $"stderr must say the layout is unknown; {result}");
        Assert.False(result.Error.Any(line => line.Contains("Cannot reach PostgreSQL", StringComparison.Ordinal)), $"the layout must be refused before connecting; {result}");
    }

    /// <summary>
    /// Runs <c>dotnet Perms.Silo.dll schema check ARGS</c> in an empty directory (no appsettings.json) with no
    /// <c>Perms__…</c> environment variables, so the arguments are its whole configuration.
    /// </summary>
    private static async Task<ProcessResult> RunSchemaCheckAsync(string[] arguments, string? connectionString)
    {
        var silo = Path.Combine(TestEnvironment.RepositoryRoot, "src", "Silo", "bin", "Release", "net10.0", "Perms.Silo.dll");
        Assert.True(File.Exists(silo), $"{silo} does not exist: build the solution in Release first (dotnet build Perms.sln -c Release; scripts/test does)");
        var workingDirectory = Directory.CreateTempSubdirectory("perms-schema-check-");
        try
        {
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = workingDirectory.FullName,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("Perms__", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                start.Environment.Remove(name);
            }

            start.ArgumentList.Add(silo);
            start.ArgumentList.Add("schema");
            start.ArgumentList.Add("check");
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet could not be started");
            var output = process.StandardOutput.ReadToEndAsync(Token);
            var error = process.StandardError.ReadToEndAsync(Token);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
            timeout.CancelAfter(TimeSpan.FromMinutes(1));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            var password = connectionString is null ? null : new NpgsqlConnectionStringBuilder(connectionString).Password;
            return new ProcessResult(process.ExitCode, Lines(await output, password), Lines(await error, password));
        }
        finally
        {
            workingDirectory.Delete(recursive: true);
        }
    }

    /// <summary>The text's lines, with the password (if any) blanked out so that no failure message can show it.</summary>
    private static string[] Lines(string text, string? password) =>
        (string.IsNullOrEmpty(password) ? text : text.Replace(password, "***", StringComparison.Ordinal))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.TrimEnd('\r'))
            .ToArray();

    private sealed record ProcessResult(int ExitCode, string[] Output, string[] Error)
    {
        public override string ToString() =>
            $"exit code {ExitCode}\n--- stdout ---\n{string.Join('\n', Output)}\n--- stderr ---\n{string.Join('\n', Error)}";
    }
}
