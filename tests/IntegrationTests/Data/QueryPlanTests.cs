using System.Text.Json;
using Npgsql;
using Perms.Grains.Data;
using Perms.IntegrationTests.Infrastructure;
using Perms.LoadTest.Generation;

namespace Perms.IntegrationTests.Data;

/// <summary>
/// Every statement of a cold load is index-driven once the schema check's indexes exist: no sequential scan of a
/// Better Auth table, on a generated dataset large enough for the planner to care (50,000 users, 150,000 members,
/// 40,000 dynamic roles).
/// </summary>
[Trait("Category", "Integration")]
public sealed class QueryPlanTests
{
    private static readonly string[] BetterAuthTables = ["user", "member", "organization", "organizationRole", "team", "teamMember"];

    [Fact]
    public async Task Every_load_statement_uses_an_index_on_a_large_dataset()
    {
        await using var database = await BetterAuthDatabase.CreateAsync("default", dynamic: true);
        var layout = database.Layout(Grains.Interfaces.Data.TableLayout.BetterAuthDefault);
        await using var admin = NpgsqlDataSource.Create(TestEnvironment.PostgresConnectionString);
        await new DatasetGenerator(admin, layout, TextWriter.Null)
            .GenerateAsync(new DatasetSpec(Users: 50_000, Organizations: 5_000, Memberships: 150_000), replace: true, TestContext.Current.CancellationToken);
        foreach (var finding in await new SchemaInspector(admin, layout).CheckAsync(TestContext.Current.CancellationToken))
        {
            Assert.NotNull(finding.Ddl);
            await admin.CreateCommand(finding.Ddl).ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        // The generator gives 1% of organizations two dynamic roles: a table of one page, which PostgreSQL rightly scans.
        // Give it the size of a deployment where many organizations define roles, so the plan has to use the index.
        await admin.CreateCommand($$"""
            INSERT INTO {{layout.QualifiedTable("organizationRole")}} ("id", "organizationId", "role", "permission", "createdAt")
            SELECT 'extra-' || g, 'o' || lpad((g % 5000)::text, 7, '0'), 'extra-' || (g / 5000), '{}', now() FROM generate_series(1, 40000) AS g;
            ANALYZE {{layout.QualifiedTable("organizationRole")}};
            """).ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        var queries = new BetterAuthQueries(layout);
        var userId = DatasetSpec.UserId(123);
        var organizationId = DatasetSpec.OrganizationId(0); // the largest organization, with dynamic roles

        foreach (var (name, sql, id) in new[]
        {
            ("user", queries.User, userId),
            ("memberships", queries.Memberships, userId),
            ("teams", queries.Teams, userId),
            ("organization", queries.Organization, organizationId),
            ("dynamic roles", queries.DynamicRoles, organizationId),
        })
        {
            var plan = await ExplainAsync(admin, sql, id);
            var scans = Nodes(plan).Where(n => n.TryGetProperty("Relation Name", out _)).ToList();

            Assert.NotEmpty(scans);
            foreach (var scan in scans)
            {
                var type = scan.GetProperty("Node Type").GetString();
                var relation = scan.GetProperty("Relation Name").GetString();
                Assert.True(
                    type is "Index Scan" or "Index Only Scan" or "Bitmap Heap Scan" || !BetterAuthTables.Contains(relation),
                    $"{name}: {type} on {relation}; plan: {plan.GetRawText()}");
            }
        }
    }

    private static async Task<JsonElement> ExplainAsync(NpgsqlDataSource dataSource, string sql, string id)
    {
        await using var command = dataSource.CreateCommand("EXPLAIN (FORMAT JSON) " + sql);
        command.Parameters.Add(new NpgsqlParameter { Value = id, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Unknown });
        var json = (string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
        return JsonDocument.Parse(json).RootElement[0].GetProperty("Plan").Clone();
    }

    private static IEnumerable<JsonElement> Nodes(JsonElement node)
    {
        yield return node;
        if (node.TryGetProperty("Plans", out var children))
        {
            foreach (var child in children.EnumerateArray().SelectMany(Nodes))
            {
                yield return child;
            }
        }
    }
}
