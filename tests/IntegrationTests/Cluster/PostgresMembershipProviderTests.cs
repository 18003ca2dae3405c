using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Perms.Cluster;
using Perms.IntegrationTests.Infrastructure;

namespace Perms.IntegrationTests.Cluster;

/// <summary>
/// <see cref="PostgresMembershipProvider"/> against the real PostgreSQL of PERMS_TEST_POSTGRES. Each test uses a schema
/// of its own (dropped at the end), so the tests never see each other's silos.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PostgresMembershipProviderTests : IAsyncLifetime
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Suspicion = TimeSpan.FromSeconds(2);

    private readonly string _schema = "perms_it_" + Guid.NewGuid().ToString("N")[..12];
    private readonly List<string> _roles = [];
    private readonly List<string> _extraSchemas = [];
    private readonly List<PostgresMembershipProvider> _providers = [];

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }

        await ExecuteAsSuperuserAsync($"DROP SCHEMA IF EXISTS {_schema} CASCADE");
        foreach (var schema in _extraSchemas)
        {
            await ExecuteAsSuperuserAsync($"DROP SCHEMA IF EXISTS {schema} CASCADE");
        }
        foreach (var role in _roles)
        {
            await ExecuteAsSuperuserAsync($"DROP OWNED BY {role}; DROP ROLE IF EXISTS {role}");
        }
    }

    [Fact]
    public async Task Start_creates_the_table_and_two_silos_see_each_other()
    {
        var a = Create("10.0.0.1:7000");
        var b = Create("10.0.0.2:7000");

        await a.StartAsync(Token);
        await b.StartAsync(Token);
        await a.RefreshAsync(Token);

        Assert.Equal(["10.0.0.1:7000", "10.0.0.2:7000"], a.Current.Silos.Select(s => s.ToString()));
        Assert.True(a.Current.HasSameSilos(b.Current));
        Assert.Equal(RendezvousPlacement.OwnerOf("user-42", a.Current), RendezvousPlacement.OwnerOf("user-42", b.Current));
    }

    [Fact]
    public async Task A_silo_that_stops_heartbeating_drops_out_after_the_suspicion_timeout()
    {
        var a = Create("10.0.0.1:7000");
        var b = Create("10.0.0.2:7000");
        var changes = new List<ClusterView>();
        await a.StartAsync(Token);
        await b.StartAsync(Token);

        // b's last heartbeat: from here on only a beats.
        await b.RefreshAsync(Token);
        var stopped = Stopwatch.StartNew();
        await a.RefreshAsync(Token);
        Assert.Equal(2, a.Current.Silos.Length);
        a.Changed += (_, view) => changes.Add(view);

        while (a.Current.Silos.Length == 2)
        {
            Assert.True(stopped.Elapsed < Suspicion + TimeSpan.FromSeconds(10), "b never dropped out of a's view.");
            await Task.Delay(Interval / 5, Token);
            await a.RefreshAsync(Token);
        }

        // The timeout is measured by the database's clock; allow the round trips' slack, not a second early.
        Assert.True(stopped.Elapsed >= Suspicion - TimeSpan.FromMilliseconds(200), $"b dropped out after {stopped.Elapsed}, before the {Suspicion} timeout.");
        Assert.Equal(["10.0.0.1:7000"], a.Current.Silos.Select(s => s.ToString()));
        Assert.Single(changes);

        // b beats again, so both agree on two silos again.
        await b.RefreshAsync(Token);
        await a.RefreshAsync(Token);
        Assert.True(a.Current.HasSameSilos(b.Current));
        Assert.Equal(2, a.Current.Silos.Length);
    }

    [Fact]
    public async Task A_disposed_silo_leaves_the_view_at_once()
    {
        var a = Create("10.0.0.1:7000");
        var b = Create("10.0.0.2:7000");
        await a.StartAsync(Token);
        await b.StartAsync(Token);
        await a.RefreshAsync(Token);
        Assert.Equal(2, a.Current.Silos.Length);

        _providers.Remove(b);
        await b.DisposeAsync();
        Assert.True(await a.RefreshAsync(Token));

        Assert.Equal(["10.0.0.1:7000"], a.Current.Silos.Select(s => s.ToString()));
    }

    [Fact]
    public async Task The_timer_keeps_a_running_silo_in_the_view()
    {
        var a = Create("10.0.0.1:7000", TimeProvider.System);
        var b = Create("10.0.0.2:7000", TimeProvider.System);
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await a.StartAsync(Token);
        a.Changed += (_, view) =>
        {
            if (view.Silos.Length == 2)
            {
                changed.TrySetResult();
            }
        };
        await b.StartAsync(Token);

        // a learns of b from its own timer, and b's timer keeps it there past the suspicion timeout.
        await changed.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);
        await Task.Delay(Suspicion + Interval, Token);
        Assert.Equal(2, a.Current.Silos.Length);
        Assert.True(a.Current.HasSameSilos(b.Current));
    }

    [Fact]
    public async Task A_role_that_may_not_create_the_schema_gets_an_error_saying_what_to_grant()
    {
        var role = await CreateRoleAsync();
        var provider = Create("10.0.0.1:7000", connectionString: ConnectionStringOf(role));

        var exception = await Assert.ThrowsAsync<InvalidOperationException>(() => provider.StartAsync(Token));

        Assert.Contains($"\"{_schema}\".silo_membership cannot be created", exception.Message, StringComparison.Ordinal);
        Assert.Contains("grant SELECT, INSERT, UPDATE, DELETE", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_role_may_use_a_table_an_owner_created_for_it()
    {
        var role = await CreateRoleAsync();
        await ExecuteAsSuperuserAsync(
            $"CREATE SCHEMA {_schema}; " +
            $"CREATE TABLE {_schema}.silo_membership (address text PRIMARY KEY, heartbeat timestamptz NOT NULL, started_at timestamptz NOT NULL); " +
            $"GRANT USAGE ON SCHEMA {_schema} TO {role}; " +
            $"GRANT SELECT, INSERT, UPDATE, DELETE ON {_schema}.silo_membership TO {role}");
        var provider = Create("10.0.0.1:7000", connectionString: ConnectionStringOf(role));

        await provider.StartAsync(Token);

        Assert.Equal(["10.0.0.1:7000"], provider.Current.Silos.Select(s => s.ToString()));
    }

    [Fact]
    public async Task Silos_starting_at_the_same_moment_on_a_fresh_schema_all_join()
    {
        // A Deployment starts its replicas together: concurrent CREATE SCHEMA / CREATE TABLE IF NOT EXISTS race in
        // PostgreSQL's catalogs (unique violation on pg_namespace or pg_type) and every silo must still start. Several
        // rounds, each on a schema of its own, because one round may not hit the race.
        for (var round = 0; round < 5; round++)
        {
            var schema = $"{_schema}_r{round}";
            _extraSchemas.Add(schema);
            var silos = Enumerable.Range(1, 6).Select(i => Create($"10.0.{round}.{i}:7000", schema: schema)).ToList();

            await Task.WhenAll(silos.Select(s => Task.Run(() => s.StartAsync(Token), Token)));

            await silos[0].RefreshAsync(Token);
            Assert.Equal(6, silos[0].Current.Silos.Length);
        }
    }

    private PostgresMembershipProvider Create(string self, TimeProvider? clock = null, string? connectionString = null, string? schema = null)
    {
        var provider = new PostgresMembershipProvider(
            new PostgresMembershipOptions
            {
                ConnectionString = connectionString ?? TestEnvironment.PostgresConnectionString,
                Schema = schema ?? _schema,
                Self = SiloAddress.Parse(self),
                HeartbeatInterval = Interval,
                SuspicionTimeout = Suspicion,
            },
            NullLogger<PostgresMembershipProvider>.Instance,
            clock ?? new PausedTimeProvider());
        _providers.Add(provider);
        return provider;
    }

    private async Task<string> CreateRoleAsync()
    {
        var role = "perms_it_role_" + Guid.NewGuid().ToString("N")[..8];
        await ExecuteAsSuperuserAsync($"CREATE ROLE {role} LOGIN PASSWORD '{role}'");
        _roles.Add(role);
        return role;
    }

    private static string ConnectionStringOf(string role) =>
        new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresConnectionString) { Username = role, Password = role }.ConnectionString;

    private static async Task ExecuteAsSuperuserAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(TestEnvironment.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
