using Perms.Api.V1;
using Perms.Grpc;
using Perms.IntegrationTests.Cluster;
using static Perms.IntegrationTests.Operations.PrometheusScrape;

namespace Perms.IntegrationTests.Operations;

/// <summary>
/// Issue #9, metrics of a cluster: a silo and a gateway as real processes (PostgreSQL membership). After checks
/// through the gateway, the gateway's /metrics — parsed by the npm Prometheus parser — holds its own gRPC requests,
/// the routing counters and the cluster view's size; the silo's holds the internal API's requests and its view.
/// </summary>
[Trait("Category", "Integration")]
[Collection(ClusterProcessCollection.Name)]
public sealed class GatewayMetricsEndpointTests(ClusterProcessFixture fixture) : IClassFixture<ClusterProcessFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_gateway_exports_routing_counters_and_the_view_size_and_the_silo_its_internal_calls()
    {
        await using var cluster = await fixture.StartClusterAsync(silos: 1);
        using var channel = new GrpcChannel(cluster.Gateway.HttpAddress);
        var options = new GrpcCallOptions { Headers = [fixture.CallerAuthorization], Timeout = TimeSpan.FromSeconds(10) };
        for (var i = 0; i < 5; i++)
        {
            var response = await channel.CallUnaryAsync("/perms.v1.PermissionService/CheckPermission", ClusterProcessFixture.Check(i), CheckPermissionResponse.Parser, options, Token);
            Assert.Null(ClusterProcessFixture.Verify(i, response));
        }

        var gateway = await ParseAsync(await TextAsync(cluster.Gateway.MetricsAddress, Token));
        var silo = await ParseAsync(await TextAsync(cluster.Silos[0].MetricsAddress, Token));

        var requests = Family(gateway, "perms_grpc_server_requests_total", "COUNTER");
        Assert.Equal(5, Value(One(requests, ("rpc_service", "perms.v1.PermissionService"), ("rpc_method", "CheckPermission"), ("rpc_grpc_status_code", "0"))));
        Assert.True(Value(Assert.Single(Family(gateway, "perms_routing_forwarded_total", "COUNTER").GetProperty("metrics").EnumerateArray())) >= 5);
        Assert.Equal(1, Value(Assert.Single(Family(gateway, "perms_cluster_view_silos", "GAUGE").GetProperty("metrics").EnumerateArray())));
        Family(gateway, "perms_cluster_view_version", "GAUGE");
        Family(gateway, "perms_process_memory_working_set_bytes", "GAUGE");
        Assert.False(gateway.ContainsKey("perms_grain_activations_total"), "a gateway has no grains");

        var internalCalls = Family(silo, "perms_grpc_server_requests_total", "COUNTER");
        Assert.Equal(5, Value(One(internalCalls, ("rpc_service", "perms.internal.v1.SiloService"), ("rpc_method", "CheckPermission"), ("rpc_grpc_status_code", "0"))));
        Assert.Equal(1, Value(Assert.Single(Family(silo, "perms_cluster_view_silos", "GAUGE").GetProperty("metrics").EnumerateArray())));
        Assert.NotEmpty(Series(Family(silo, "perms_grain_activations_total", "COUNTER"), ("grain_type", "user")));
    }
}
