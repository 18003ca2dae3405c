using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using Perms.Api.V1;
using Perms.Grpc;

namespace Perms.IntegrationTests.Api;

/// <summary>
/// A call that exceeds its deadline, from each client, against the real silo process: a superuser holds
/// <c>LOCK TABLE "member" IN ACCESS EXCLUSIVE MODE</c>, so the cold load of a user (which reads the member rows) waits;
/// a CheckPermission with a 300 ms deadline must end in DEADLINE_EXCEEDED — not UNAVAILABLE, which the load's own 2 s
/// statement timeout would give — and no earlier than its deadline; once the lock is released it is answered. No upper
/// bound on time is asserted: a slow machine must not fail the test.
/// </summary>
/// <remarks>
/// Its own <see cref="PermsServerFixture"/> (a fresh database and silo process), and each case asks about a user no
/// other case asks about: every call here needs a cold load, whatever order the cases run in.
/// </remarks>
[Trait("Category", "Integration")]
public sealed class DeadlineInteropTests(PermsServerFixture server) : IClassFixture<PermsServerFixture>
{
    private const int DeadlineMs = 300;

    /// <summary>Not an immediate failure: the call waited for (about) its deadline.</summary>
    private static readonly TimeSpan NotBefore = TimeSpan.FromMilliseconds(200);

    [Theory]
    [InlineData("node", "bob", "globex", "owner")]
    [InlineData("python", "carol", "globex", "viewer")]
    public async Task A_call_whose_cold_load_is_blocked_ends_in_DEADLINE_EXCEEDED_and_the_server_keeps_serving(string client, string user, string organization, string grantedByRole)
    {
        string[] only = ["--only", "check", "--user", user, "--org", organization, "--permission", "project:read"];
        JsonElement blocked;
        await using (await LockMemberTableAsync())
        {
            blocked = (await InteropClient.RunAsync(server, client, [.. only, "--deadline-ms", DeadlineMs.ToString(CultureInfo.InvariantCulture)])).GetProperty("check");
        }

        Assert.False(blocked.GetProperty("ok").GetBoolean(), $"while the load was blocked: {blocked}");
        Assert.Equal("DEADLINE_EXCEEDED", blocked.GetProperty("code").GetString());
        Assert.True(blocked.GetProperty("elapsed_ms").GetInt32() >= NotBefore.TotalMilliseconds, $"ended before its deadline: {blocked}");

        var after = (await InteropClient.RunAsync(server, client, only)).GetProperty("check");
        Assert.True(after.GetProperty("ok").GetBoolean(), $"after the lock was released: {after}");
        var response = after.GetProperty("response");
        Assert.True(response.GetProperty("allowed").GetBoolean());
        Assert.Equal("ALLOWED", response.GetProperty("reason").GetString());
        Assert.Equal(grantedByRole, response.GetProperty("granted_by_role").GetString());
    }

    [Fact]
    public Task The_repository_client_gets_DEADLINE_EXCEEDED_for_a_blocked_cold_load_and_then_the_answer() =>
        BlockedThenAnsweredAsync("alice", "acme", ("project", "read"), "owner", new GrpcCallOptions { Timeout = TimeSpan.FromMilliseconds(DeadlineMs) }, localDeadline: true);

    [Fact]
    public Task The_server_itself_ends_a_call_at_its_grpc_timeout() =>
        // No local deadline: only the grpc-timeout header, so DEADLINE_EXCEEDED can only come from the server. A dynamic
        // role grants it: the organization grain loads too.
        BlockedThenAnsweredAsync("dave", "acme", ("member", "create"), "auditor", new GrpcCallOptions { Headers = [new("grpc-timeout", $"{DeadlineMs}m")] }, localDeadline: false);

    /// <summary>
    /// With the member table locked, the C# client's call ends in DEADLINE_EXCEEDED (not UNAVAILABLE, which the load's
    /// statement timeout would give) no earlier than the deadline; once the lock is gone the same question is answered.
    /// </summary>
    private async Task BlockedThenAnsweredAsync(string user, string organization, (string Resource, string Action) permission, string grantedByRole, GrpcCallOptions blockedOptions, bool localDeadline)
    {
        var cancel = TestContext.Current.CancellationToken;
        using var channel = server.CreateChannel();
        var request = new CheckPermissionRequest { UserId = server.Users[user], OrganizationId = server.Organizations[organization], Explain = true };
        request.Permissions.Add(permission.Resource, new Actions { Actions_ = { permission.Action } });
        var options = new GrpcCallOptions
        {
            Headers = [server.Authorization, .. blockedOptions.Headers ?? []],
            Timeout = blockedOptions.Timeout,
        };
        GrpcStatusException blocked;
        var clock = Stopwatch.StartNew();
        await using (await LockMemberTableAsync())
        {
            // A safety net only; the call must end by its own deadline long before this.
            using var safety = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            safety.CancelAfter(TimeSpan.FromSeconds(30));
            clock.Restart();
            blocked = await Assert.ThrowsAsync<GrpcStatusException>(() => channel.CallUnaryAsync(
                "/perms.v1.PermissionService/CheckPermission", request, CheckPermissionResponse.Parser, options, safety.Token));
            clock.Stop();
        }

        Assert.Equal(GrpcStatusCode.DeadlineExceeded, blocked.Code);
        Assert.True(clock.Elapsed >= NotBefore, $"ended after {clock.Elapsed}, before its deadline (local deadline: {localDeadline})");

        var answer = await channel.CallUnaryAsync(
            "/perms.v1.PermissionService/CheckPermission",
            request,
            CheckPermissionResponse.Parser,
            new GrpcCallOptions { Headers = [server.Authorization], Timeout = TimeSpan.FromSeconds(5) },
            cancel);
        Assert.True(answer.Allowed);
        Assert.Equal(grantedByRole, answer.GrantedByRole);
    }

    /// <summary>Holds an ACCESS EXCLUSIVE lock on "member" (in an open transaction) until disposed.</summary>
    private async Task<IAsyncDisposable> LockMemberTableAsync()
    {
        var connection = new NpgsqlConnection(server.SuperuserConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        var transaction = await connection.BeginTransactionAsync(TestContext.Current.CancellationToken);
        await using (var command = new NpgsqlCommand("""LOCK TABLE "member" IN ACCESS EXCLUSIVE MODE""", connection, transaction))
        {
            await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        return new TableLock(connection, transaction);
    }

    private sealed class TableLock(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await transaction.RollbackAsync();
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}
