using System.Net;
using Grpc.Health.V1;
using Perms.Api.V1;
using Perms.Grpc;
using Perms.IntegrationTests.Api;
using Perms.IntegrationTests.Nats;
using static Perms.IntegrationTests.Operations.PrometheusScrape;

namespace Perms.IntegrationTests.Operations;

/// <summary>
/// Issue #9, metrics: a real silo process (demo data, subscribed to NATS) serves GET /metrics on its own port; after
/// checks, an unauthenticated call and two change events, the scrape — parsed by a real Prometheus text parser from
/// npm — holds the gRPC requests by method and status with latency buckets from 0.05 ms, grain activations and loads,
/// events by subject and outcome with the invalidation latency, NATS connected, and process memory and GC; and the
/// gRPC port has no /metrics while the metrics port serves no gRPC.
/// </summary>
[Trait("Category", "Integration")]
public sealed class MetricsEndpointTests(PermsServerFixture server) : IClassFixture<PermsServerFixture>
{
    private const string CheckPath = "/perms.v1.PermissionService/CheckPermission";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_scrape_holds_the_issue_s_families_with_their_labels()
    {
        using var channel = server.CreateChannel();
        var request = new CheckPermissionRequest
        {
            UserId = server.Users["bob"],
            OrganizationId = server.Organizations["acme"],
            Permissions = { ["organization"] = new Actions { Actions_ = { "update" } } },
        };
        var options = new GrpcCallOptions { Headers = [server.Authorization], Timeout = TimeSpan.FromSeconds(10) };
        for (var i = 0; i < 3; i++)
        {
            await channel.CallUnaryAsync(CheckPath, request, CheckPermissionResponse.Parser, options, Token);
        }

        var unauthenticated = await Assert.ThrowsAsync<GrpcStatusException>(() => channel.CallUnaryAsync(CheckPath, request, CheckPermissionResponse.Parser, new GrpcCallOptions { Timeout = TimeSpan.FromSeconds(10) }, Token));
        Assert.Equal(GrpcStatusCode.Unauthenticated, unauthenticated.Code);

        var payload = $$"""{"userId":"{{server.Users["bob"]}}","organizationId":"{{server.Organizations["acme"]}}","role":"member","occurredAt":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}}""";
        await NatsTesting.PublishOnceAsync(server.NatsUrl, server.SubjectPrefix + "member.role.changed", payload, Token);
        await NatsTesting.PublishOnceAsync(server.NatsUrl, server.SubjectPrefix + "member.renamed", "{}", Token);

        var families = await WhenAsync(
            MetricsUri,
            text => text.Contains("outcome=\"applied\",subject=\"member.role.changed\"", StringComparison.Ordinal) && text.Contains("outcome=\"unknown_subject\"", StringComparison.Ordinal),
            "both events",
            Token);

        var requests = Family(families, "perms_grpc_server_requests_total", "COUNTER");
        var ok = One(requests, ("rpc_service", "perms.v1.PermissionService"), ("rpc_method", "CheckPermission"), ("rpc_grpc_status_code", "0"));
        Assert.True(Value(ok) >= 3, $"CheckPermission OK counted {Value(ok)} times");
        One(requests, ("rpc_service", "perms.v1.PermissionService"), ("rpc_method", "CheckPermission"), ("rpc_grpc_status_code", "16"));
        Assert.NotEmpty(Series(requests, ("rpc_service", "grpc.health.v1.Health"), ("rpc_method", "Check"), ("rpc_grpc_status_code", "0")));

        var duration = Family(families, "perms_grpc_server_duration_milliseconds", "HISTOGRAM");
        var checks = One(duration, ("rpc_service", "perms.v1.PermissionService"), ("rpc_method", "CheckPermission"), ("rpc_grpc_status_code", "0"));
        Assert.Equal(
            ["0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "25", "50", "100", "250", "500", "1000", "2500", "5000", "10000", "+Inf"],
            checks.GetProperty("buckets").EnumerateArray().Select(b => b.GetProperty("le").GetString()));
        Assert.Equal(checks.GetProperty("count").GetString(), checks.GetProperty("buckets").EnumerateArray().Last().GetProperty("count").GetString());
        Assert.True(long.Parse(checks.GetProperty("count").GetString()!, System.Globalization.CultureInfo.InvariantCulture) >= 3);

        Assert.NotEmpty(Series(Family(families, "perms_grain_activations_total", "COUNTER"), ("grain_type", "user")));
        Assert.NotEmpty(Series(Family(families, "perms_grain_loads_total", "COUNTER"), ("grain_type", "user")));
        Assert.NotEmpty(Series(Family(families, "perms_grain_load_duration_milliseconds", "HISTOGRAM"), ("grain_type", "user")));
        Assert.NotEmpty(Series(Family(families, "perms_grain_activations_current", "GAUGE"), ("grain_type", "user")));
        Assert.NotEmpty(Series(Family(families, "perms_grain_deactivations_total", "COUNTER"), ("grain_type", "user"), ("cause", "event")));

        var events = Family(families, "perms_events_total", "COUNTER");
        Assert.Equal(1, Value(One(events, ("subject", "member.role.changed"), ("outcome", "applied"))));
        Assert.Equal(1, Value(One(events, ("subject", "unknown"), ("outcome", "unknown_subject"))));
        Assert.NotEmpty(Series(Family(families, "perms_events_invalidation_latency_milliseconds", "HISTOGRAM"), ("subject", "member.role.changed")));
        Assert.Equal(1, Value(Assert.Single(Family(families, "perms_nats_connected", "GAUGE").GetProperty("metrics").EnumerateArray())));

        Assert.True(Value(Assert.Single(Family(families, "perms_process_memory_working_set_bytes", "GAUGE").GetProperty("metrics").EnumerateArray())) > 0);
        Assert.True(Value(Assert.Single(Family(families, "perms_process_gc_total_memory_bytes", "GAUGE").GetProperty("metrics").EnumerateArray())) > 0);
        Family(families, "perms_process_gc_heap_size_bytes", "GAUGE"); // 0 until the first collection
        Assert.True(Value(Assert.Single(Family(families, "perms_process_gc_allocated_bytes_total", "COUNTER").GetProperty("metrics").EnumerateArray())) > 0);
        Assert.Equal(["gen0", "gen1", "gen2"], Family(families, "perms_process_gc_collections_total", "COUNTER").GetProperty("metrics").EnumerateArray().Select(m => Label(m, "gc_generation")));
        Family(families, "perms_process_thread_pool_threads", "GAUGE");
        Family(families, "perms_process_uptime_seconds", "GAUGE");

        // A silo alone routes nothing: no view gauge.
        Assert.False(families.ContainsKey("perms_cluster_view_silos"));
    }

    [Fact]
    public async Task Metrics_are_not_on_the_grpc_port_and_grpc_is_not_on_the_metrics_port()
    {
        using var h2c = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var onGrpcPort = await h2c.GetAsync(new Uri(server.HttpAddress, "/metrics"), Token);
        Assert.False(onGrpcPort.IsSuccessStatusCode, $"GET /metrics on the gRPC port answered {onGrpcPort.StatusCode}");
        Assert.DoesNotContain("# TYPE", await onGrpcPort.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);

        using var http1 = new HttpClient();
        using var health = await http1.PostAsync(
            new Uri(MetricsUri, "/grpc.health.v1.Health/Check"),
            new ByteArrayContent([0, 0, 0, 0, 0]) { Headers = { { "Content-Type", "application/grpc" } } },
            Token);
        Assert.Equal(HttpStatusCode.NotFound, health.StatusCode);
        Assert.False(health.Headers.Contains("grpc-status"));

        using var channel = new GrpcChannel(new Uri(MetricsUri.GetLeftPart(UriPartial.Authority)));
        var grpc = await Record.ExceptionAsync(() => channel.CallUnaryAsync("/grpc.health.v1.Health/Check", new HealthCheckRequest(), HealthCheckResponse.Parser, new GrpcCallOptions { Timeout = TimeSpan.FromSeconds(5) }, Token));
        Assert.NotNull(grpc);

        Assert.Contains("# TYPE perms_grpc_server_requests_total counter", await TextAsync(MetricsUri, Token), StringComparison.Ordinal);
    }

    private Uri MetricsUri => server.MetricsAddress;
}
