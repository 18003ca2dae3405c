using System.Globalization;
using System.Text.Json;
using Perms.Api.V1;
using Perms.Grpc;
using Perms.IntegrationTests.Api;
using Perms.IntegrationTests.Infrastructure;

namespace Perms.IntegrationTests.Events;

/// <summary>
/// A silo process over the demo database, subscribed to a nats-server of its own (so a test can stop and restart it),
/// with short lifetimes: grain state at most <see cref="MaxStaleness"/> old, liveness PINGs every 250 ms,
/// reconnection attempts at most 250 ms apart. Changes are made the way the demo app makes them: demo/change.mjs calls
/// Better Auth's server API with clients/better-auth-nats publishing the events.
/// </summary>
public sealed class EventsServerFixture : IAsyncLifetime
{
    /// <summary>The silo's maximum staleness of user state.</summary>
    public static readonly TimeSpan MaxStaleness = TimeSpan.FromSeconds(12);

    private NatsServerProcess? _nats;
    private PermsServerFixture? _server;

    /// <summary>The nats-server the silo subscribes to.</summary>
    internal NatsServerProcess Nats => _nats ?? throw new InvalidOperationException("not started");

    /// <summary>The silo.</summary>
    public PermsServerFixture Server => _server ?? throw new InvalidOperationException("not started");

    public async ValueTask InitializeAsync()
    {
        _nats = await NatsServerProcess.StartAsync();
        _server = new PermsServerFixture(() => _nats.Url, new Dictionary<string, string>
        {
            ["Perms__Grains__User__MaxStaleness"] = MaxStaleness.ToString("c", CultureInfo.InvariantCulture),
            ["Perms__Grains__User__LoadTimeout"] = "00:00:05",
            ["Perms__Grains__Organization__MaxStaleness"] = MaxStaleness.ToString("c", CultureInfo.InvariantCulture),
            ["Perms__Grains__Organization__LoadTimeout"] = "00:00:05",
            ["Perms__Events__PingInterval"] = "00:00:00.250",
            ["Perms__Events__ReconnectWaitMax"] = "00:00:00.250",
            // Each applied event is logged at Debug: the tests can tell an event's flip from the staleness bound's.
            ["Logging__LogLevel__Perms.Silo.Events"] = "Debug",
        });
        await _server.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_nats is not null)
        {
            await _nats.DisposeAsync();
        }
    }

    /// <summary>Runs <c>node demo/change.mjs</c> with <paramref name="arguments"/> against this fixture's database and NATS.</summary>
    public async Task<DemoChange> ChangeAsync(params string[] arguments)
    {
        var root = TestEnvironment.RepositoryRoot;
        var result = await ChildProcess.RunAsync(
            "node",
            [Path.Combine(root, "demo", "change.mjs"), .. arguments],
            root,
            new Dictionary<string, string?>
            {
                ["DATABASE_URL"] = Server.DatabaseUrl,
                ["NATS_URL"] = Nats.Url.ToString(),
                ["PERMS_SUBJECT_PREFIX"] = Server.SubjectPrefix,
            },
            TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, $"node demo/change.mjs {string.Join(' ', arguments)} exited with {result.ExitCode}:\n{result.StandardError}");
        using var document = JsonDocument.Parse(result.StandardOutput);
        var output = document.RootElement;
        var changedAt = DateTimeOffset.Parse(output.GetProperty("changedAt").GetString()!, CultureInfo.InvariantCulture);
        var committedAt = DateTimeOffset.Parse(output.GetProperty("committedAt").GetString()!, CultureInfo.InvariantCulture);
        var published = output.GetProperty("event").GetProperty("published").GetInt32();
        return new DemoChange(changedAt, committedAt, published, output.GetProperty("event").GetProperty("errors").ToString());
    }

    /// <summary>CheckPermission through the repository's C# client.</summary>
    public async Task<CheckPermissionResponse> CheckAsync(string user, string organization, string permission, Consistency? consistency = null)
    {
        using var channel = Server.CreateChannel();
        var (resource, action) = (permission.Split(':')[0], permission.Split(':')[1]);
        var request = new CheckPermissionRequest { UserId = Server.Users[user], OrganizationId = Server.Organizations[organization], Explain = true, Consistency = consistency };
        request.Permissions.Add(resource, new Actions { Actions_ = { action } });
        return await channel.CallUnaryAsync(
            "/perms.v1.PermissionService/CheckPermission",
            request,
            CheckPermissionResponse.Parser,
            new GrpcCallOptions { Headers = [Server.Authorization], Timeout = TimeSpan.FromSeconds(10) },
            TestContext.Current.CancellationToken);
    }
}
