using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace Perms.IntegrationTests.Infrastructure;

/// <summary>The servers scripts/test starts are the real ones the later suites rely on.</summary>
[Trait("Category", "Integration")]
public sealed class ServerSmokeTests
{
    [Fact]
    public async Task PostgreSQL_is_version_15_and_answers_on_loopback()
    {
        await using var dataSource = NpgsqlDataSource.Create(TestEnvironment.PostgresConnectionString);
        await using var command = dataSource.CreateCommand("SELECT current_setting('server_version_num')::int, inet_server_addr()::text");
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);

        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
        Assert.InRange(reader.GetInt32(0), 150000, 159999);
        Assert.Equal("127.0.0.1/32", reader.GetString(1));
    }

    [Fact]
    public async Task A_select_only_role_can_read_but_not_write()
    {
        var suffix = Guid.NewGuid().ToString("N")[..12];
        var role = $"perms_reader_{suffix}";
        var table = $"smoke_{suffix}";
        await using var admin = NpgsqlDataSource.Create(TestEnvironment.PostgresConnectionString);
        await admin.CreateCommand($"""
            CREATE TABLE {table} (id int);
            INSERT INTO {table} VALUES (1);
            CREATE ROLE {role} LOGIN PASSWORD 'reader-{suffix}';
            GRANT SELECT ON {table} TO {role};
            """).ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresConnectionString) { Username = role, Password = $"reader-{suffix}" };
            await using var reader = NpgsqlDataSource.Create(builder.ConnectionString);

            Assert.Equal(1, await reader.CreateCommand($"SELECT count(*)::int FROM {table}").ExecuteScalarAsync(TestContext.Current.CancellationToken));
            var denied = await Assert.ThrowsAsync<PostgresException>(() => reader.CreateCommand($"INSERT INTO {table} VALUES (2)").ExecuteNonQueryAsync(TestContext.Current.CancellationToken));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await admin.CreateCommand($"DROP TABLE {table}; DROP ROLE {role};").ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task nats_server_speaks_the_NATS_protocol()
    {
        var url = TestEnvironment.NatsUrl;
        using var client = new TcpClient();
        await client.ConnectAsync(url.Host, url.Port, TestContext.Current.CancellationToken);
        await using var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);

        var info = await reader.ReadLineAsync(TestContext.Current.CancellationToken);
        await stream.WriteAsync("CONNECT {\"verbose\":false}\r\nPING\r\n"u8.ToArray(), TestContext.Current.CancellationToken);
        var pong = await reader.ReadLineAsync(TestContext.Current.CancellationToken);

        Assert.StartsWith("INFO {", info, StringComparison.Ordinal);
        Assert.Contains("\"max_payload\"", info, StringComparison.Ordinal);
        Assert.Equal("PONG", pong);
    }
}
