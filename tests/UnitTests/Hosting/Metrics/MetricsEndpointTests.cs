using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Perms.Gateway.Hosting;
using Perms.Gateway.Hosting.Metrics;
using Perms.Grpc;
using Perms.UnitTests.Grpc.Protos;

namespace Perms.UnitTests.Hosting.Metrics;

/// <summary>
/// A real Kestrel with the gRPC endpoint (<see cref="PermsEndpointExtensions.UsePermsEndpoint"/>) and the metrics
/// endpoint (<see cref="MetricsServiceCollectionExtensions.AddPermsMetrics"/>) on two loopback ports: /metrics only on
/// its port, gRPC only on its own, and the gRPC calls counted by method and final status.
/// </summary>
public sealed class MetricsEndpointTests : IAsyncLifetime
{
    private const string Service = "perms.tests.Metrics";
    private WebApplication? _app;
    private int _grpcPort;
    private int _metricsPort;

    public async ValueTask InitializeAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            _grpcPort = FreePort();
            _metricsPort = FreePort();
            try
            {
                _app = await StartAsync();
                return;
            }
            catch (IOException) when (attempt < 3)
            {
                // A free port was taken before Kestrel bound it.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Metrics_are_served_over_http1_on_their_port_with_the_grpc_calls_by_method_and_status()
    {
        using var channel = new GrpcChannel(new Uri($"http://127.0.0.1:{_grpcPort}"));
        var ct = TestContext.Current.CancellationToken;
        await channel.CallUnaryAsync($"/{Service}/Echo", new EchoMessage { Text = "a" }, EchoMessage.Parser, cancellationToken: ct);
        await channel.CallUnaryAsync($"/{Service}/Echo", new EchoMessage { Text = "b" }, EchoMessage.Parser, cancellationToken: ct);
        await Assert.ThrowsAsync<GrpcStatusException>(() => channel.CallUnaryAsync($"/{Service}/Missing", new EchoMessage(), EchoMessage.Parser, cancellationToken: ct));
        await Assert.ThrowsAsync<GrpcStatusException>(() => channel.CallUnaryAsync("/nobody.Knows/This", new EchoMessage(), EchoMessage.Parser, cancellationToken: ct));

        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{_metricsPort}/metrics"), ct);
        var text = await response.Content.ReadAsStringAsync(ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new Version(1, 1), response.Version);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Contains("# TYPE perms_grpc_server_requests_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains($"perms_grpc_server_requests_total{{rpc_grpc_status_code=\"0\",rpc_method=\"Echo\",rpc_service=\"{Service}\"}} 2\n", text, StringComparison.Ordinal);
        Assert.Contains($"perms_grpc_server_requests_total{{rpc_grpc_status_code=\"5\",rpc_method=\"Missing\",rpc_service=\"{Service}\"}} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("perms_grpc_server_requests_total{rpc_grpc_status_code=\"12\",rpc_method=\"_OTHER\",rpc_service=\"_OTHER\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE perms_grpc_server_duration_milliseconds histogram\n", text, StringComparison.Ordinal);
        Assert.Contains($"perms_grpc_server_duration_milliseconds_bucket{{rpc_grpc_status_code=\"0\",rpc_method=\"Echo\",rpc_service=\"{Service}\",le=\"0.05\"}} ", text, StringComparison.Ordinal);
        Assert.Contains($"perms_grpc_server_duration_milliseconds_count{{rpc_grpc_status_code=\"0\",rpc_method=\"Echo\",rpc_service=\"{Service}\"}} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE perms_process_memory_working_set_bytes gauge\n", text, StringComparison.Ordinal);
        Assert.Contains("perms_process_gc_collections_total{gc_generation=\"gen0\"} ", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_metrics_port_serves_nothing_else_and_the_grpc_port_has_no_metrics()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = new HttpClient();
        using var other = await http.GetAsync(new Uri($"http://127.0.0.1:{_metricsPort}/"), ct);
        using var post = await http.PostAsync(new Uri($"http://127.0.0.1:{_metricsPort}/metrics"), new StringContent(string.Empty), ct);
        using var grpcOverHttp1 = await http.PostAsync(new Uri($"http://127.0.0.1:{_metricsPort}/{Service}/Echo"), new ByteArrayContent([0, 0, 0, 0, 0]) { Headers = { { "Content-Type", "application/grpc" } } }, ct);

        using var h2c = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var metricsOnGrpcPort = await h2c.GetAsync(new Uri($"http://127.0.0.1:{_grpcPort}/metrics"), ct);
        using var grpcChannel = new GrpcChannel(new Uri($"http://127.0.0.1:{_metricsPort}"));
        var grpcOnMetricsPort = await Record.ExceptionAsync(() => grpcChannel.CallUnaryAsync($"/{Service}/Echo", new EchoMessage(), EchoMessage.Parser, cancellationToken: ct));

        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, grpcOverHttp1.StatusCode);
        Assert.False(grpcOverHttp1.Headers.Contains("grpc-status"));
        Assert.False(metricsOnGrpcPort.IsSuccessStatusCode, $"GET /metrics on the gRPC port answered {metricsOnGrpcPort.StatusCode}");
        Assert.DoesNotContain("# TYPE", await metricsOnGrpcPort.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.NotNull(grpcOnMetricsPort);
    }

    [Fact]
    public void Options_failures_name_their_keys()
    {
        var failures = Validate(new Dictionary<string, string?>
        {
            ["Perms:Metrics:Port"] = "70000",
            ["Perms:Metrics:Address"] = "not-an-ip",
        });
        var samePort = Validate(new Dictionary<string, string?> { ["Perms:Metrics:Port"] = "50051" });
        var disabled = Validate(new Dictionary<string, string?> { ["Perms:Metrics:Enabled"] = "false", ["Perms:Metrics:Port"] = "0" });

        Assert.Equal(2, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("Perms:Metrics:Port 70000 is not a port", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Perms:Metrics:Address \"not-an-ip\" is not an IP address", StringComparison.Ordinal));
        Assert.Equal(["Perms:Metrics:Port 50051 is also Perms:Server:Port: metrics need a port of their own (default 9464)"], samePort);
        Assert.Empty(disabled);
    }

    [Fact]
    public void Defaults_are_enabled_on_9464()
    {
        var options = new MetricsOptions();

        Assert.True(options.Enabled);
        Assert.Equal(9464, options.Port);
        Assert.Null(options.Address);
    }

    private static List<string> Validate(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPermsEndpoint(configuration);
        services.AddPermsMetrics(configuration);
        using var provider = services.BuildServiceProvider();
        try
        {
            _ = provider.GetRequiredService<IOptions<MetricsOptions>>().Value;
            return [];
        }
        catch (OptionsValidationException e)
        {
            return [.. e.Failures];
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<WebApplication> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Perms:Server:Address"] = "127.0.0.1",
            ["Perms:Server:Port"] = _grpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Perms:Metrics:Port"] = _metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        builder.Services.AddPermsEndpoint(builder.Configuration);
        builder.Services.AddPermsMetrics(builder.Configuration);
        builder.WebHost.UsePermsEndpoint();
        builder.Services.AddGrpcWire();
        var app = builder.Build();
        app.MapGrpcUnary<EchoMessage, EchoMessage>(Service, "Echo", EchoMessage.Parser, static (request, _) => ValueTask.FromResult(request));
        app.MapGrpcUnary<EchoMessage, EchoMessage>(Service, "Missing", EchoMessage.Parser, static (_, _) => throw new GrpcStatusException(GrpcStatusCode.NotFound, "not here"));
        app.MapGrpcFallback();
        try
        {
            await app.StartAsync(TestContext.Current.CancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return app;
    }
}
