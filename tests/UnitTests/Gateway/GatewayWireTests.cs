using System.Net;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Perms.Api.V1;
using Perms.Gateway;
using Perms.Gateway.Health;
using Perms.Grains.Interfaces.Checks;
using Perms.Grains.Interfaces.Permissions;
using Perms.Grpc;
using Perms.UnitTests.Grpc;

namespace Perms.UnitTests.Gateway;

/// <summary>
/// The gateway over the real wire layer on a loopback Kestrel, with an in-memory checker: authentication comes before
/// the request is read, and random requests on the public path always end in a precise status.
/// </summary>
public sealed class GatewayWireTests : IAsyncLifetime
{
    private const string Token = "wire-test-0123456789abcdef0123456789abcdef";
    private const string CheckPath = "/perms.v1.PermissionService/CheckPermission";
    private readonly string _tokens = Directory.CreateTempSubdirectory("perms-wire-").FullName;
    private readonly RawGrpcClient _client = new();
    private WebApplication? _app;
    private Uri _address = null!;

    public async ValueTask InitializeAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(_tokens, "tester"), Token);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Perms:Auth:TokensPath"] = _tokens });
        builder.Services.AddSingleton<IPermissionChecker, EchoChecker>();
        builder.Services.AddPermsGateway(builder.Configuration);
        _app = builder.Build();
        _app.Services.GetRequiredService<HealthReporter>().SetServing(true);
        _app.MapPermsGateway();
        await _app.StartAsync();
        _address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _client.Dispose();
        Directory.Delete(_tokens, recursive: true);
    }

    private static IReadOnlyList<KeyValuePair<string, string>> Bearer(string token) => [new("authorization", $"Bearer {token}")];

    [Fact]
    public async Task An_unauthenticated_call_is_refused_before_its_bytes_are_parsed()
    {
        var garbage = Frames.Frame([0xFF, 0xFF, 0xFF, 0xFF]);

        var anonymous = await _client.SendAsync(_address, CheckPath, garbage, cancellationToken: TestContext.Current.CancellationToken);
        var wrong = await _client.SendAsync(_address, CheckPath, garbage, headers: Bearer("not-the-token-0123456789abcdef0123456789"), cancellationToken: TestContext.Current.CancellationToken);
        var authenticated = await _client.SendAsync(_address, CheckPath, garbage, headers: Bearer(Token), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(GrpcStatusCode.Unauthenticated, anonymous.Status);
        Assert.Equal("missing or invalid caller credentials", anonymous.Message);
        Assert.Equal(GrpcStatusCode.Unauthenticated, wrong.Status);
        Assert.Equal(anonymous.Message, wrong.Message);
        Assert.Equal(GrpcStatusCode.InvalidArgument, authenticated.Status);
    }

    [Fact]
    public async Task Health_needs_no_credentials()
    {
        var response = await _client.SendAsync(_address, "/grpc.health.v1.Health/Check", Frames.Of(new global::Grpc.Health.V1.HealthCheckRequest()), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(GrpcStatusCode.OK, response.Status);
    }

    [Fact]
    public async Task Watch_streams_the_current_status_and_then_every_change()
    {
        using var channel = new GrpcChannel(_address);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        stop.CancelAfter(TimeSpan.FromSeconds(20));
        var reporter = _app!.Services.GetRequiredService<HealthReporter>();
        var seen = new List<global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus>();

        await foreach (var update in channel.CallServerStreamingAsync("/grpc.health.v1.Health/Watch", new global::Grpc.Health.V1.HealthCheckRequest(), global::Grpc.Health.V1.HealthCheckResponse.Parser, cancellationToken: stop.Token))
        {
            seen.Add(update.Status);
            if (seen.Count == 1)
            {
                reporter.SetServing(false);
            }
            else if (seen.Count == 2)
            {
                reporter.SetServing(true);
            }
            else
            {
                break;
            }
        }

        Assert.Equal(
            [global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.NotServing, global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving],
            seen);
    }

    [Fact]
    public async Task Random_requests_on_the_public_path_always_end_in_a_precise_status_and_never_in_an_internal_error_of_ours()
    {
        var random = new Random(20261122);
        var seen = new HashSet<GrpcStatusCode>();
        for (var i = 0; i < 1500; i++)
        {
            var request = RandomRequest(random);
            var bytes = request.ToByteArray();
            var body = (i % 3) switch
            {
                0 => Frames.Of(request), // a well-formed message with random content
                1 => Frames.Frame(Mutate(bytes, random)), // a message with flipped bytes
                _ => Frames.Of(request)[..Math.Max(1, random.Next(Frames.Of(request).Length))], // cut short anywhere
            };

            using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            limit.CancelAfter(TimeSpan.FromSeconds(20));
            var response = await _client.SendAsync(_address, CheckPath, body, headers: Bearer(Token), cancellationToken: limit.Token);

            Assert.NotNull(response.Status);
            seen.Add(response.Status.Value);
            if (i % 3 == 0)
            {
                // A message that parses is answered or refused precisely, naming the field.
                Assert.True(response.Status is GrpcStatusCode.OK or GrpcStatusCode.InvalidArgument or GrpcStatusCode.Unimplemented, $"{response.Status}: {response.Message} for {request}");
            }
            else
            {
                Assert.True(response.Status is not GrpcStatusCode.Unknown and not GrpcStatusCode.Unavailable, $"{response.Status}: {response.Message}");
                var message = response.Message ?? "";
                Assert.False(response.Status == GrpcStatusCode.Internal && !message.Contains("message", StringComparison.OrdinalIgnoreCase), $"an internal error that is not about framing: {message}");
            }
        }

        Assert.Contains(GrpcStatusCode.OK, seen);
        Assert.Contains(GrpcStatusCode.InvalidArgument, seen);
        var healthy = await _client.SendAsync(_address, CheckPath, Frames.Of(new CheckPermissionRequest { UserId = "u", OrganizationId = "o" }), headers: Bearer(Token), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(GrpcStatusCode.OK, healthy.Status);
    }

    private static CheckPermissionRequest RandomRequest(Random random)
    {
        string Text(int max) => new([.. Enumerable.Range(0, random.Next(max)).Select(_ => (char)(random.Next(4) == 0 ? random.Next(0, 0x3000) : random.Next('a', 'z' + 1)))]);
        var request = new CheckPermissionRequest { UserId = Text(300), OrganizationId = Text(40), Explain = random.Next(2) == 0 };
        for (var r = random.Next(40); r > 0; r--)
        {
            var actions = new Actions();
            actions.Actions_.AddRange(Enumerable.Range(0, random.Next(40)).Select(_ => Text(150)));
            request.Permissions[Text(20)] = actions;
        }

        if (random.Next(5) == 0)
        {
            request.Consistency = new Consistency { FullyConsistent = true };
        }

        return request;
    }

    private static byte[] Mutate(byte[] bytes, Random random)
    {
        var copy = bytes.ToArray();
        for (var n = random.Next(1, 8); n > 0 && copy.Length > 0; n--)
        {
            copy[random.Next(copy.Length)] = (byte)random.Next(256);
        }

        return copy;
    }

    /// <summary>Grants everything it is asked: the point here is the path in front of the checker.</summary>
    private sealed class EchoChecker : IPermissionChecker
    {
        public ValueTask<CheckResult> CheckOrganizationAsync(string userId, string organizationId, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new CheckResult(request.IsEmpty ? PermissionDecision.Denied(DecisionReason.EmptyRequest) : PermissionDecision.GrantedBy("owner"), DateTimeOffset.UnixEpoch, []));

        public ValueTask<CheckResult> CheckPlatformAsync(string userId, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<EffectivePermissions> GetEffectivePermissionsAsync(string userId, string organizationId, ReadConsistency consistency, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<UserMemberships> GetMembershipsAsync(string userId, ReadConsistency consistency, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
