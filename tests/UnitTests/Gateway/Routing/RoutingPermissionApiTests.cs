using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
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
using Perms.Gateway.Api;
using Perms.Gateway.Health;
using Perms.Gateway.Routing;
using Perms.Grains.Interfaces.Checks;
using Perms.Grains.Interfaces.Errors;
using Perms.Grains.Interfaces.Permissions;
using Perms.Grains.Interfaces.State;
using Perms.Grpc;
using Perms.UnitTests.Cluster;

namespace Perms.UnitTests.Gateway.Routing;

/// <summary>
/// A gateway process and three silos, each a loopback Kestrel wired as the real hosts are (AddClusterRouting,
/// MapSiloService, MapPermsGateway), with in-memory checkers that answer with their silo's name. The silos have
/// logical addresses (silo-a.test:7001, ...) that the gateway's connections map to their real ports, so every process
/// knows every address before anything starts; a stopped silo refuses connections.
/// </summary>
public sealed class RoutingPermissionApiTests : IAsyncLifetime
{
    private const string ClusterToken = "cluster-0123456789abcdef0123456789abcdef";
    private const string CallerToken = "caller-0123456789abcdef0123456789abcdef";
    private static readonly DateTimeOffset AsOf = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
    private static readonly string[] Names = ["silo-a.test:7001", "silo-b.test:7002", "silo-c.test:7003"];
    private static readonly SiloAddress A = SiloAddress.Parse(Names[0]);
    private static readonly SiloAddress B = SiloAddress.Parse(Names[1]);
    private static readonly SiloAddress C = SiloAddress.Parse(Names[2]);

    private readonly string _tokens = Directory.CreateTempSubdirectory("perms-routing-").FullName;
    private readonly ConcurrentDictionary<SiloAddress, int> _ports = new();
    private readonly Dictionary<SiloAddress, TestSilo> _silos = [];
    private readonly FakeMembershipProvider _gatewayView = new(Names);
    private readonly SocketsHttpHandler _toSilos;
    private readonly ClusterRouter _router;
    private WebApplication? _gateway;
    private GrpcChannel? _client;

    public RoutingPermissionApiTests()
    {
        _toSilos = new SocketsHttpHandler { ConnectCallback = ConnectToSiloAsync, UseProxy = false };
        _router = new ClusterRouter(
            _gatewayView,
            self: null,
            new ClusterAuthenticator([ClusterToken]),
            TimeSpan.FromHours(1),
            TimeProvider.System,
            new RoutingMetrics(null),
            NullLogger<ClusterRouter>.Instance,
            new GrpcChannelOptions { HttpHandler = _toSilos });
    }

    private static ClusterView View => new(1, Names.Select(SiloAddress.Parse));

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        foreach (var name in Names)
        {
            var silo = await TestSilo.StartAsync(SiloAddress.Parse(name));
            _silos[silo.Address] = silo;
            _ports[silo.Address] = silo.Port;
        }

        await File.WriteAllTextAsync(Path.Combine(_tokens, "tester"), CallerToken, Token);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Configuration.AddInMemoryCollection(Cluster(self: null).Append(new("Perms:Auth:TokensPath", _tokens)));

        // The gateway's own membership and router (whose connections reach the silos' real ports); the rest is
        // GatewayHost's composition.
        builder.Services.AddSingleton<IMembershipProvider>(_gatewayView);
        builder.Services.AddSingleton(_router);
        builder.Services.AddPermsGateway(builder.Configuration);
        builder.Services.AddClusterRouting(builder.Configuration, isSilo: false);
        _gateway = builder.Build();
        _gateway.Services.GetRequiredService<HealthReporter>().SetServing(true);
        _gateway.MapPermsGateway();
        await _gateway.StartAsync(Token);
        _client = new GrpcChannel(new Uri(AddressOf(_gateway)));
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        await _router.DisposeAsync();
        foreach (var silo in _silos.Values)
        {
            await silo.StopAsync();
        }

        _toSilos.Dispose();
        Directory.Delete(_tokens, recursive: true);
    }

    private static IEnumerable<KeyValuePair<string, string?>> Cluster(string? self)
    {
        var settings = new List<KeyValuePair<string, string?>> { new("Perms:Cluster:Token", ClusterToken) };
        if (self is not null)
        {
            settings.Add(new("Perms:Cluster:Self", self));
        }

        for (var i = 0; i < Names.Length; i++)
        {
            settings.Add(new($"Perms:Cluster:Silos:{i}", Names[i]));
        }

        return settings;
    }

    private static string AddressOf(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    private async ValueTask<Stream> ConnectToSiloAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var port = _ports[new SiloAddress(context.DnsEndPoint.Host, context.DnsEndPoint.Port)];
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static IEnumerable<string> Users(int count) =>
        Enumerable.Range(0, count).Select(i => "user-" + i.ToString(CultureInfo.InvariantCulture));

    private static string UserOwnedBy(SiloAddress owner, SiloAddress? next = null) =>
        Users(10_000).First(u => RendezvousPlacement.OwnerOf(u, View) == owner && (next is null || RendezvousPlacement.OwnerOf(u, View, new HashSet<SiloAddress> { owner }) == next));

    private static CheckPermissionRequest Check(string user, string organization = "acme") => new()
    {
        UserId = user,
        OrganizationId = organization,
        Permissions = { ["member"] = new Actions { Actions_ = { "create" } } },
    };

    private static GrpcCallOptions Options(string? authorization) => new()
    {
        Headers = authorization is null ? null : [new("authorization", authorization)],
        Timeout = TimeSpan.FromSeconds(30),
    };

    private Task<GrpcUnaryResponse<TResponse>> CallAsync<TRequest, TResponse>(string method, TRequest request, MessageParser<TResponse> parser)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse> =>
        _client!.CallUnaryWithHeadersAsync($"/{PermissionApi.ServiceName}/{method}", request, parser, Options("Bearer " + CallerToken), Token);

    private Task<GrpcUnaryResponse<CheckPermissionResponse>> CheckAsync(string user) =>
        CallAsync("CheckPermission", Check(user), CheckPermissionResponse.Parser);

    private Task<GrpcUnaryResponse<CheckPermissionsResponse>> CheckBatchAsync(IEnumerable<CheckPermissionRequest> checks)
    {
        var request = new CheckPermissionsRequest();
        request.Checks.AddRange(checks);
        return CallAsync("CheckPermissions", request, CheckPermissionsResponse.Parser);
    }

    private static string? Placement<T>(GrpcUnaryResponse<T> response) =>
        response.Headers.TryGetValue(ClusterRouter.PlacementHeader, out var value) ? value : null;

    private string[] CalledSilos(string user) => [.. _silos.Values.Where(s => s.Checker.Users.Contains(user)).Select(s => s.Address.ToString())];

    [Fact]
    public async Task Each_users_call_lands_on_its_owner()
    {
        foreach (var user in Users(30))
        {
            var response = await CheckAsync(user);

            var owner = RendezvousPlacement.OwnerOf(user, View).ToString();
            Assert.Equal(owner, response.Message.GrantedByRole);
            Assert.Null(Placement(response));
            Assert.Equal([owner], CalledSilos(user));
        }

        // Every silo owns some of the thirty users: the routing was not a lucky constant.
        Assert.All(_silos.Values, s => Assert.NotEmpty(s.Checker.Users));
    }

    [Fact]
    public async Task Every_method_is_answered_by_the_owner()
    {
        var user = UserOwnedBy(B);
        var platform = new CheckPlatformPermissionRequest { UserId = user, Permissions = { ["user"] = new Actions { Actions_ = { "list" } } } };

        var check = await CheckAsync(user);
        var batch = await CheckBatchAsync([Check(user)]);
        var platformCheck = await CallAsync("CheckPlatformPermission", platform, CheckPermissionResponse.Parser);
        var memberships = await CallAsync("GetMemberships", new GetMembershipsRequest { UserId = user }, GetMembershipsResponse.Parser);
        var effective = await CallAsync("GetEffectivePermissions", new GetEffectivePermissionsRequest { UserId = user, OrganizationId = "acme" }, GetEffectivePermissionsResponse.Parser);

        Assert.Equal(B.ToString(), check.Message.GrantedByRole);
        Assert.Equal(B.ToString(), Assert.Single(batch.Message.Results).Response.GrantedByRole);
        Assert.Equal(B.ToString(), platformCheck.Message.GrantedByRole);
        Assert.Equal([B.ToString()], memberships.Message.PlatformRoles);
        Assert.Equal([B.ToString()], effective.Message.MemberRoles);
        Assert.Equal(5, _silos[B].Checker.Users.Count);
        Assert.Empty(_silos[A].Checker.Users);
        Assert.Empty(_silos[C].Checker.Users);
    }

    [Fact]
    public async Task A_batch_is_split_by_owner_and_answered_in_request_order()
    {
        var users = Users(60).ToList();
        var checks = users.Select(u => Check(u)).ToList();
        checks.Insert(5, Check("user-bad-1", organization: ""));
        checks.Insert(40, Check("", organization: "acme"));

        var response = await CheckBatchAsync(checks);

        Assert.Equal(checks.Count, response.Message.Results.Count);
        for (var i = 0; i < checks.Count; i++)
        {
            var result = response.Message.Results[i];
            if (i is 5 or 40)
            {
                Assert.Equal(CheckOutcome.OutcomeOneofCase.Error, result.OutcomeCase);
                Assert.Equal((int)GrpcStatusCode.InvalidArgument, result.Error.Code);
                Assert.StartsWith($"checks[{i}].", result.Error.Message, StringComparison.Ordinal);
                continue;
            }

            Assert.Equal(CheckOutcome.OutcomeOneofCase.Response, result.OutcomeCase);
            Assert.Equal(RendezvousPlacement.OwnerOf(checks[i].UserId, View).ToString(), result.Response.GrantedByRole);
        }

        foreach (var silo in _silos.Values)
        {
            var owned = users.Where(u => RendezvousPlacement.OwnerOf(u, View) == silo.Address).Order(StringComparer.Ordinal);
            Assert.NotEmpty(owned);
            Assert.Equal(owned, silo.Checker.Users.Order(StringComparer.Ordinal));
        }

        Assert.Null(Placement(response));
    }

    [Fact]
    public async Task A_stopped_owners_call_is_retried_on_the_next_silo_and_marked_non_owner()
    {
        var user = UserOwnedBy(A);
        var next = RendezvousPlacement.OwnerOf(user, View, new HashSet<SiloAddress> { A })!;
        await _silos[A].StopAsync();

        var response = await CheckAsync(user);

        Assert.Equal(next.ToString(), response.Message.GrantedByRole);
        Assert.Equal(ClusterRouter.NonOwner, Placement(response));
        Assert.Equal([next.ToString()], CalledSilos(user));
        Assert.True(_router.IsSuspected(A));
        Assert.False(_router.IsSuspected(next));
    }

    [Fact]
    public async Task While_the_owner_is_suspected_its_users_go_to_the_next_silo_marked_non_owner()
    {
        var first = UserOwnedBy(A);
        var second = Users(10_000).First(u => u != first && RendezvousPlacement.OwnerOf(u, View) == A);
        await _silos[A].StopAsync();
        await CheckAsync(first);

        var response = await CheckAsync(second);

        Assert.Equal(RendezvousPlacement.OwnerOf(second, View, new HashSet<SiloAddress> { A })!.ToString(), response.Message.GrantedByRole);
        Assert.Equal(ClusterRouter.NonOwner, Placement(response));
    }

    [Fact]
    public async Task With_the_owner_and_the_next_silo_stopped_the_call_is_UNAVAILABLE_naming_both()
    {
        var user = UserOwnedBy(A, next: B);
        await _silos[A].StopAsync();
        await _silos[B].StopAsync();

        var error = await Assert.ThrowsAsync<GrpcStatusException>(() => CheckAsync(user));

        Assert.Equal(GrpcStatusCode.Unavailable, error.Code);
        Assert.Contains($"({A})", error.Detail, StringComparison.Ordinal);
        Assert.Contains($"({B})", error.Detail, StringComparison.Ordinal);
        Assert.Empty(_silos[C].Checker.Users);
    }

    [Fact]
    public async Task A_batch_with_a_stopped_silo_is_answered_by_the_silos_taking_its_users_over()
    {
        var users = Users(40).ToList();
        await _silos[A].StopAsync();

        var response = await CheckBatchAsync(users.Select(u =>
        {
            var check = Check(u);
            check.Explain = true;
            return check;
        }));

        Assert.Equal(users.Count, response.Message.Results.Count);
        var excluded = new HashSet<SiloAddress> { A };
        for (var i = 0; i < users.Count; i++)
        {
            Assert.Equal(RendezvousPlacement.OwnerOf(users[i], View, excluded)!.ToString(), response.Message.Results[i].Response.GrantedByRole);
        }

        Assert.Contains(users, u => RendezvousPlacement.OwnerOf(u, View) == A);
        Assert.Equal(ClusterRouter.NonOwner, Placement(response));
    }

    [Fact]
    public async Task A_batch_with_two_stopped_silos_is_answered_by_the_third()
    {
        var users = Users(40).ToList();
        await _silos[A].StopAsync();
        await _silos[B].StopAsync();

        var response = await CheckBatchAsync(users.Select(u => Check(u)));

        // Both failed in the first round, so the retry of each of their users skips both.
        Assert.All(response.Message.Results, r => Assert.Equal(C.ToString(), r.Response.GrantedByRole));
        Assert.Equal(users.Order(StringComparer.Ordinal), _silos[C].Checker.Users.Order(StringComparer.Ordinal));
        Assert.Equal(ClusterRouter.NonOwner, Placement(response));
    }

    [Fact]
    public async Task A_retried_batch_of_users_of_two_stopped_silos_keeps_every_answer_at_its_check()
    {
        // Interleaved users of A and B only: the retry gathers both failed groups into one part for C whose indexes
        // are not in request order, so passing the request on unchanged would put answers at other users' checks.
        var ofA = Users(400).Where(u => RendezvousPlacement.OwnerOf(u, View) == A).Take(10).ToList();
        var ofB = Users(400).Where(u => RendezvousPlacement.OwnerOf(u, View) == B).Take(10).ToList();
        var users = ofA.Zip(ofB, (a, b) => new[] { a, b }).SelectMany(pair => pair).ToList();
        await _silos[A].StopAsync();
        await _silos[B].StopAsync();

        var response = await CheckBatchAsync(users.Select(u =>
        {
            var check = Check(u);
            check.Explain = true;
            return check;
        }));

        Assert.Equal(users.Count, response.Message.Results.Count);
        for (var i = 0; i < users.Count; i++)
        {
            Assert.Equal([C.ToString(), users[i]], response.Message.Results[i].Response.MemberRoles);
        }
    }

    [Fact]
    public async Task A_batch_with_every_silo_stopped_gets_UNAVAILABLE_for_each_valid_item_in_place()
    {
        foreach (var silo in _silos.Values)
        {
            await silo.StopAsync();
        }

        var checks = Users(20).Select(u => Check(u)).ToList();
        checks.Insert(3, Check("user-bad", organization: ""));

        var response = await CheckBatchAsync(checks);

        Assert.Equal(checks.Count, response.Message.Results.Count);
        for (var i = 0; i < checks.Count; i++)
        {
            var error = response.Message.Results[i].Error;
            Assert.Equal(i == 3 ? (int)GrpcStatusCode.InvalidArgument : (int)GrpcStatusCode.Unavailable, error.Code);
            if (i != 3)
            {
                Assert.Contains($"({RendezvousPlacement.OwnerOf(checks[i].UserId, View)})", error.Message, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [InlineData("unavailable", GrpcStatusCode.Unavailable)]
    [InlineData("invalid", GrpcStatusCode.FailedPrecondition)]
    public async Task A_status_the_silo_answered_is_passed_on_and_not_retried(string failure, GrpcStatusCode expected)
    {
        var user = UserOwnedBy(A);
        _silos[A].Checker.Failures[user] = failure == "unavailable"
            ? new StateUnavailableException("the database is down (test)")
            : new InvalidStateException("organizationRole row \"r9\" is malformed (test)");

        var error = await Assert.ThrowsAsync<GrpcStatusException>(() => CheckAsync(user));

        Assert.Equal(expected, error.Code);
        Assert.Contains("(test)", error.Detail, StringComparison.Ordinal);
        Assert.Equal([A.ToString()], CalledSilos(user));
        Assert.False(_router.IsSuspected(A));
    }

    [Fact]
    public async Task An_item_the_silo_failed_is_failed_in_place_and_not_retried()
    {
        var users = Users(30).ToList();
        var failing = users.First(u => RendezvousPlacement.OwnerOf(u, View) == A);
        _silos[A].Checker.Failures[failing] = new StateUnavailableException("the database is down (test)");

        var response = await CheckBatchAsync(users.Select(u => Check(u)));

        for (var i = 0; i < users.Count; i++)
        {
            var result = response.Message.Results[i];
            if (users[i] == failing)
            {
                Assert.Equal((int)GrpcStatusCode.Unavailable, result.Error.Code);
                Assert.Contains("(test)", result.Error.Message, StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal(RendezvousPlacement.OwnerOf(users[i], View).ToString(), result.Response.GrantedByRole);
            }
        }

        Assert.Equal([A.ToString()], CalledSilos(failing));
        Assert.False(_router.IsSuspected(A));
        Assert.Null(Placement(response));
    }

    [Fact]
    public async Task The_internal_service_needs_the_cluster_token()
    {
        using var channel = new GrpcChannel(new Uri($"http://127.0.0.1:{_silos[A].Port}"));
        var path = ClusterRouter.InternalPath("CheckPermission");
        var request = Check(UserOwnedBy(A));

        var anonymous = await Assert.ThrowsAsync<GrpcStatusException>(() => channel.CallUnaryAsync(path, request, CheckPermissionResponse.Parser, Options(null), Token));
        var wrong = await Assert.ThrowsAsync<GrpcStatusException>(() => channel.CallUnaryAsync(path, request, CheckPermissionResponse.Parser, Options("Bearer " + CallerToken), Token));
        var admitted = await channel.CallUnaryAsync(path, request, CheckPermissionResponse.Parser, Options("Bearer " + ClusterToken), Token);

        Assert.Equal(GrpcStatusCode.Unauthenticated, anonymous.Code);
        Assert.Equal(GrpcStatusCode.Unauthenticated, wrong.Code);
        Assert.Equal(A.ToString(), admitted.GrantedByRole);
        Assert.Single(_silos[A].Checker.Users);
    }

    [Fact]
    public async Task The_public_service_refuses_the_cluster_token()
    {
        var error = await Assert.ThrowsAsync<GrpcStatusException>(() => _client!.CallUnaryAsync($"/{PermissionApi.ServiceName}/CheckPermission", Check("user-1"), CheckPermissionResponse.Parser, Options("Bearer " + ClusterToken), Token));

        Assert.Equal(GrpcStatusCode.Unauthenticated, error.Code);
        Assert.All(_silos.Values, s => Assert.Empty(s.Checker.Users));
    }

    [Fact]
    public async Task A_silo_whose_own_view_gives_the_user_to_another_silo_says_so_and_the_gateway_passes_it_on()
    {
        // silo-a sees a silo join before the gateway does; the joiner owns the user in silo-a's view.
        var joined = new ClusterView(2, View.Silos.Add(SiloAddress.Parse("silo-z.test:7999")));
        var user = Users(10_000).First(u => RendezvousPlacement.OwnerOf(u, View) == A && RendezvousPlacement.OwnerOf(u, joined) != A);
        var owned = Users(10_000).First(u => RendezvousPlacement.OwnerOf(u, View) == A && RendezvousPlacement.OwnerOf(u, joined) == A);
        _silos[A].View.Change([.. joined.Silos.Select(s => s.ToString())]);

        var moved = await CheckAsync(user);
        var stayed = await CheckAsync(owned);
        var batch = await CheckBatchAsync([Check(owned), Check(user)]);

        Assert.Equal(A.ToString(), moved.Message.GrantedByRole);
        Assert.Equal(ClusterRouter.NonOwner, Placement(moved));
        Assert.Equal(A.ToString(), stayed.Message.GrantedByRole);
        Assert.Null(Placement(stayed));
        Assert.Equal(ClusterRouter.NonOwner, Placement(batch));
        Assert.False(_router.IsSuspected(A));
    }

    /// <summary>One silo: its internal service on a loopback port, its own membership view, its recording checker.</summary>
    private sealed class TestSilo
    {
        private bool _stopped;

        private TestSilo(SiloAddress address, WebApplication app, RecordingChecker checker, FakeMembershipProvider view)
        {
            Address = address;
            App = app;
            Checker = checker;
            View = view;
            Port = new Uri(AddressOf(app)).Port;
        }

        public SiloAddress Address { get; }

        public WebApplication App { get; }

        public RecordingChecker Checker { get; }

        public FakeMembershipProvider View { get; }

        public int Port { get; }

        public static async Task<TestSilo> StartAsync(SiloAddress address)
        {
            var checker = new RecordingChecker(address.ToString());
            var view = new FakeMembershipProvider(Names);
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
            builder.Configuration.AddInMemoryCollection(Cluster(self: address.ToString()));
            builder.Services.AddSingleton<IMembershipProvider>(view);
            builder.Services.AddSingleton<IPermissionChecker>(checker);
            builder.Services.AddSingleton<PermissionApi>();
            builder.Services.AddGrpcWire();
            builder.Services.AddClusterRouting(builder.Configuration, isSilo: true);
            var app = builder.Build();
            app.MapSiloService();
            await app.StartAsync(Token);
            return new TestSilo(address, app, checker, view);
        }

        public async Task StopAsync()
        {
            if (!_stopped)
            {
                _stopped = true;
                await App.DisposeAsync();
            }
        }
    }

    /// <summary>Answers every call with its silo's name (as the granting role, the roles, the platform roles) and records the user.</summary>
    private sealed class RecordingChecker(string name) : IPermissionChecker
    {
        public ConcurrentQueue<string> Users { get; } = new();

        public ConcurrentDictionary<string, Exception> Failures { get; } = new();

        public ValueTask<CheckResult> CheckOrganizationAsync(string userId, string organizationId, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken) =>
            ValueTask.FromResult(Answer(userId));

        public ValueTask<CheckResult> CheckPlatformAsync(string userId, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken) =>
            ValueTask.FromResult(Answer(userId));

        public ValueTask<EffectivePermissions> GetEffectivePermissionsAsync(string userId, string organizationId, ReadConsistency consistency, CancellationToken cancellationToken)
        {
            Answer(userId);
            return ValueTask.FromResult(new EffectivePermissions(DecisionReason.Allowed, [name], [], AsOf));
        }

        public ValueTask<UserMemberships> GetMembershipsAsync(string userId, ReadConsistency consistency, CancellationToken cancellationToken)
        {
            Answer(userId);
            return ValueTask.FromResult(new UserMemberships(new UserSnapshot(userId, null, [], AsOf), [name]));
        }

        private CheckResult Answer(string userId)
        {
            Users.Enqueue(userId);
            return Failures.TryGetValue(userId, out var failure)
                ? throw failure
                : new CheckResult(PermissionDecision.GrantedBy(name), AsOf, [name, userId]);
        }
    }
}
