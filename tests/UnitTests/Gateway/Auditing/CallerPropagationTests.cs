using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Perms.Api.V1;
using Perms.Cluster;
using Perms.Gateway;
using Perms.Gateway.Auditing;
using Perms.Gateway.Routing;
using Perms.Grains.Interfaces.Checks;
using Perms.Grains.Interfaces.Permissions;
using Perms.Grains.Interfaces.State;
using Perms.Grpc;
using Perms.UnitTests.Cluster;

namespace Perms.UnitTests.Gateway.Auditing;

/// <summary>
/// Who the owner silo's audit line names, and which trace: a silo of a cluster (audit on) and a gateway process (audit
/// off), each a loopback Kestrel wired as the hosts are. The caller comes from the caller token on the public service
/// (a <c>perms-caller</c> header there is ignored) and from <c>perms-caller</c> only on the internal service, which
/// the router fills in; the caller's <c>traceparent</c> reaches the owner through the gateway's HTTP handler.
/// </summary>
public sealed class CallerPropagationTests : IAsyncLifetime
{
    private const string ClusterToken = "cluster-0123456789abcdef0123456789abcdef";
    private const string CallerToken = "caller-0123456789abcdef0123456789abcdef";
    private const string SiloName = "silo-a.test:7001";
    private const string TraceId = "0af7651916cd43dd8448eb211c80319c";
    private const string TraceParent = "00-" + TraceId + "-b7ad6b7169203331-01";
    private static readonly DateTimeOffset AsOf = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    private readonly string _tokens = Directory.CreateTempSubdirectory("perms-audit-").FullName;
    private readonly StructuredLogProvider _siloLogs = new();
    private readonly StructuredLogProvider _gatewayLogs = new();
    private WebApplication? _silo;
    private WebApplication? _gateway;
    private ClusterRouter? _router;
    private SocketsHttpHandler? _toSilo;
    private GrpcChannel? _siloClient;
    private GrpcChannel? _gatewayClient;
    private int _siloPort;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(_tokens, "tester"), CallerToken, Token);
        _silo = await StartAsync(_siloLogs, audit: true, isSilo: true);
        _siloPort = new Uri(AddressOf(_silo)).Port;

        // The gateway's connections reach the silo's real port under its logical address.
        _toSilo = new SocketsHttpHandler { ConnectCallback = ConnectToSiloAsync, UseProxy = false };
        _router = new ClusterRouter(
            new FakeMembershipProvider(SiloName),
            self: null,
            new ClusterAuthenticator([ClusterToken]),
            TimeSpan.FromHours(1),
            TimeProvider.System,
            new RoutingMetrics(null),
            NullLogger<ClusterRouter>.Instance,
            new GrpcChannelOptions { HttpHandler = _toSilo });
        _gateway = await StartAsync(_gatewayLogs, audit: false, isSilo: false);
        _siloClient = new GrpcChannel(new Uri(AddressOf(_silo)));
        _gatewayClient = new GrpcChannel(new Uri(AddressOf(_gateway)));
    }

    public async ValueTask DisposeAsync()
    {
        _siloClient?.Dispose();
        _gatewayClient?.Dispose();
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (_router is not null)
        {
            await _router.DisposeAsync();
        }

        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }

        _toSilo?.Dispose();
        Directory.Delete(_tokens, recursive: true);
    }

    [Fact]
    public async Task Through_the_gateway_the_owner_names_the_original_caller_and_trace()
    {
        await CheckAsync(_gatewayClient!, PermissionApi, CallerToken, ("perms-caller", "intruder"), ("traceparent", TraceParent));

        var line = Assert.Single(_siloLogs.Of(AuditLog.Category));
        Assert.Equal("tester", line["caller"]);
        Assert.Equal(TraceId, line["trace_id"]);
        Assert.Equal("u1", line["user_id"]);

        // The gateway (audit off) wrote no audit line of its own.
        Assert.Empty(_gatewayLogs.Of(AuditLog.Category));
    }

    [Fact]
    public async Task On_the_public_service_the_token_names_the_caller_whatever_the_header_says()
    {
        await CheckAsync(_siloClient!, PermissionApi, CallerToken, ("perms-caller", "intruder"), ("traceparent", TraceParent));

        var line = Assert.Single(_siloLogs.Of(AuditLog.Category));
        Assert.Equal("tester", line["caller"]);
        Assert.Equal(TraceId, line["trace_id"]);
    }

    [Fact]
    public async Task On_the_internal_service_the_header_names_the_caller()
    {
        await CheckAsync(_siloClient!, ClusterRouter.InternalServiceName, ClusterToken, ("perms-caller", Uri.EscapeDataString("billing team")));
        await CheckAsync(_siloClient!, ClusterRouter.InternalServiceName, ClusterToken);

        var lines = _siloLogs.Of(AuditLog.Category);
        Assert.Equal(["billing team", CallerFeature.UnnamedClusterCaller], lines.Select(l => l["caller"]));
    }

    [Fact]
    public async Task The_internal_service_believes_no_header_without_the_cluster_token()
    {
        var refused = await Assert.ThrowsAsync<GrpcStatusException>(() => CheckAsync(_siloClient!, ClusterRouter.InternalServiceName, CallerToken, ("perms-caller", "intruder")));

        Assert.Equal(GrpcStatusCode.Unauthenticated, refused.Code);
        Assert.Empty(_siloLogs.Of(AuditLog.Category));
    }

    private const string PermissionApi = Perms.Gateway.Api.PermissionApi.ServiceName;

    private static async Task CheckAsync(GrpcChannel client, string service, string token, params (string Name, string Value)[] headers)
    {
        var request = new CheckPermissionRequest { UserId = "u1", OrganizationId = "o1", Permissions = { ["member"] = new Actions { Actions_ = { "create" } } } };
        var metadata = new List<KeyValuePair<string, string>> { new("authorization", "Bearer " + token) };
        metadata.AddRange(headers.Select(h => new KeyValuePair<string, string>(h.Name, h.Value)));
        var response = await client.CallUnaryAsync($"/{service}/CheckPermission", request, CheckPermissionResponse.Parser, new GrpcCallOptions { Headers = metadata, Timeout = TimeSpan.FromSeconds(30) }, Token);
        Assert.True(response.Allowed);
    }

    private static string AddressOf(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    private async Task<WebApplication> StartAsync(StructuredLogProvider logs, bool audit, bool isSilo)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();

        // A provider at Information, as in production: the request Activity (and its traceparent) exists when logging is on.
        builder.Logging.AddProvider(logs).SetMinimumLevel(LogLevel.Information);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Perms:Cluster:Token"] = ClusterToken,
            ["Perms:Cluster:Silos:0"] = SiloName,
            ["Perms:Cluster:Self"] = isSilo ? SiloName : null,
            ["Perms:Auth:TokensPath"] = _tokens,
            ["Perms:Audit:Enabled"] = audit ? "true" : "false",
        });
        builder.Services.AddSingleton<IMembershipProvider>(new FakeMembershipProvider(SiloName));
        if (isSilo)
        {
            builder.Services.AddSingleton<IPermissionChecker>(new Checker());
        }
        else
        {
            builder.Services.AddSingleton(_router!);
        }

        builder.Services.AddPermsGateway(builder.Configuration);
        builder.Services.AddClusterRouting(builder.Configuration, isSilo);
        var app = builder.Build();
        if (isSilo)
        {
            app.MapSiloService();
        }

        app.MapPermsGateway();
        await app.StartAsync(Token);
        return app;
    }

    private async ValueTask<Stream> ConnectToSiloAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _siloPort), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private sealed class Checker : IPermissionChecker
    {
        public ValueTask<CheckResult> CheckOrganizationAsync(string userId, string organizationId, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new CheckResult(PermissionDecision.GrantedBy("admin"), AsOf, ["admin"]));

        public ValueTask<CheckResult> CheckPlatformAsync(string userId, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new CheckResult(PermissionDecision.GrantedBy("admin"), AsOf, ["admin"]));

        public ValueTask<EffectivePermissions> GetEffectivePermissionsAsync(string userId, string organizationId, ReadConsistency consistency, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new EffectivePermissions(DecisionReason.Allowed, [], [], AsOf));

        public ValueTask<UserMemberships> GetMembershipsAsync(string userId, ReadConsistency consistency, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new UserMemberships(new UserSnapshot(userId, null, [], AsOf), []));
    }
}
