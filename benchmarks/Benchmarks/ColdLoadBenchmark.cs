using Microsoft.Extensions.DependencyInjection;
using Perms.Grains.Caching;
using Perms.Grains.State;
using Perms.Grains.Interfaces.Checks;
using Npgsql;
using Perms.Grains.Data;
using Perms.Grains.Interfaces.Data;
using Perms.Grains.Interfaces.Permissions;
using Perms.Grains.Permissions;
using Perms.Grains.Policy;

namespace Perms.Benchmarks;

/// <summary>
/// Cold loads through the real reader against a generated Better Auth dataset: one user's row, memberships and teams;
/// one organization's row and dynamic roles. Baseline, measured in the same run over the same pool: a primary-key
/// point SELECT on the user table. Sequential, one caller. Targets: p50 ≤ 1 ms, p99 ≤ 5 ms.
/// </summary>
internal static class ColdLoadBenchmark
{
    public const string Usage = "usage: Benchmarks cold-load --connection CONNSTRING --schema SCHEMA [--layout better-auth-default] [--samples 20000] [--seed 7]";

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            options[args[i].TrimStart('-')] = args[i + 1];
        }

        if (!options.TryGetValue("connection", out var connection) || !options.TryGetValue("schema", out var schema))
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var samples = int.Parse(options.GetValueOrDefault("samples", "20000"), System.Globalization.CultureInfo.InvariantCulture);
        var random = new Random(int.Parse(options.GetValueOrDefault("seed", "7"), System.Globalization.CultureInfo.InvariantCulture));
        var errors = new List<string>();
        var layout = TableLayout.Create(options.GetValueOrDefault("layout", TableLayout.BetterAuthDefault), schema, null, null, "--layout", errors)
            ?? throw new ArgumentException(string.Join("; ", errors));

        await using var dataSource = BetterAuthDataSource.Create(connection, TimeSpan.FromSeconds(5));
        var reader = new PostgresBetterAuthReader(dataSource, layout);
        var userIds = await ReadIdsAsync(dataSource, $"SELECT {layout.QuotedColumn("user", "id")} FROM {layout.QualifiedTable("user")}");
        var organizationIds = await ReadIdsAsync(dataSource, $"SELECT {layout.QuotedColumn("organization", "id")} FROM {layout.QualifiedTable("organization")}");
        var pointSelect = $"SELECT {layout.QuotedColumn("user", "id")} FROM {layout.QualifiedTable("user")} WHERE {layout.QuotedColumn("user", "id")} = $1";
        Console.WriteLine($"dataset: {userIds.Length:N0} users, {organizationIds.Length:N0} organizations in schema {schema}; {samples:N0} samples each, sequential, one caller");

        // Warm-up: the pool, prepared statements, JIT. Different ids from the measured ones are fine: the point is the code path.
        for (var i = 0; i < 500; i++)
        {
            await PointSelectAsync(dataSource, pointSelect, userIds[random.Next(userIds.Length)]);
            await reader.ReadUserAsync(userIds[random.Next(userIds.Length)], CancellationToken.None);
            await reader.ReadOrganizationAsync(organizationIds[random.Next(organizationIds.Length)], true, CancellationToken.None);
        }

        var baseline = await Latencies.MeasureAsync(samples, () => PointSelectAsync(dataSource, pointSelect, userIds[random.Next(userIds.Length)]));
        var users = await Latencies.MeasureAsync(samples, async () => _ = await reader.ReadUserAsync(userIds[random.Next(userIds.Length)], CancellationToken.None));
        var organizations = await Latencies.MeasureAsync(samples, async () => _ = await reader.ReadOrganizationAsync(organizationIds[random.Next(organizationIds.Length)], true, CancellationToken.None));

        // A cold check through Orleans: a member who was never loaded, in one of their organizations, with
        // dynamic roles on — UserGrain activation, then OrganizationGrain activation unless this silo has it already.
        var pairs = await ReadPairsAsync(dataSource, layout, samples);
        var policy = new CompiledPolicy(PolicyParser.Parse("""{ "organization": { "dynamicAccessControl": { "enabled": true } } }""", "cold-load"));
        await using var silo = await InProcessSilo.StartAsync(reader, policy);
        var checker = silo.Checker;
        var request = PermissionRequest.Of(("ac", ["read"]));
        var next = 0;
        var allowed = 0;
        var checks = await Latencies.MeasureAsync(pairs.Length, async () =>
        {
            var (user, organization) = pairs[next++];
            if ((await checker.CheckOrganizationAsync(user, organization, request, ReadConsistency.MinimizeLatency, CancellationToken.None)).Decision.Allowed)
            {
                allowed++;
            }
        });
        var organizationsLoaded = silo.Services.GetRequiredService<LocalActivations<CompiledOrganizationState>>().Count;

        Console.WriteLine();
        Console.WriteLine("| load | p50 | p90 | p99 | max | p50 ratio to baseline |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        Latencies.Print("baseline: point SELECT by primary key", baseline, baseline);
        Latencies.Print("user: row + memberships + teams (1 transaction)", users, baseline);
        Latencies.Print("organization: row + dynamic roles (1 transaction)", organizations, baseline);
        Latencies.Print($"cold check through Orleans: UserGrain + OrganizationGrain activation + evaluation ({checks.Length:N0} distinct members, {organizationsLoaded:N0} organizations activated)", checks, baseline);
        Console.WriteLine();
        Console.WriteLine($"cold checks allowed: {allowed:N0} of {checks.Length:N0} (members hold ac:read unless banned)");
        return 0;
    }

    private static async Task PointSelectAsync(NpgsqlDataSource dataSource, string sql, string id)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = id } } };
        await command.ExecuteScalarAsync();
    }

    private static async Task<(string User, string Organization)[]> ReadPairsAsync(NpgsqlDataSource dataSource, TableLayout layout, int count)
    {
        // One membership per distinct user, spread over the table (ordered by a hash, not by insertion).
        var sql = $"""
            SELECT DISTINCT ON (m.{layout.QuotedColumn("member", "userId")}) m.{layout.QuotedColumn("member", "userId")}::text, m.{layout.QuotedColumn("member", "organizationId")}::text
            FROM {layout.QualifiedTable("member")} AS m
            WHERE abs(hashtext(m.{layout.QuotedColumn("member", "userId")}::text)) % 20 = 7
            ORDER BY m.{layout.QuotedColumn("member", "userId")}
            LIMIT {count}
            """;
        var pairs = new List<(string, string)>();
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            pairs.Add((reader.GetString(0), reader.GetString(1)));
        }

        return [.. pairs.OrderBy(p => p.Item1.GetHashCode(StringComparison.Ordinal))];
    }

    private static async Task<string[]> ReadIdsAsync(NpgsqlDataSource dataSource, string sql)
    {
        var ids = new List<string>();
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return [.. ids];
    }
}
