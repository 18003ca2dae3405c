using System.Net;
using Microsoft.Extensions.Logging;
using Perms.Grpc;
using Perms.UnitTests.Grpc.Protos;

namespace Perms.UnitTests.Grpc;

[Collection(GrpcServerCollection.Name)]
public sealed class GrpcStatusTests(GrpcServerFixture server) : IDisposable
{
    private const string Awkward = "100% naïve ✓ — \U0001F600 \"quoted\"\ttab\nnewline";

    private readonly GrpcChannel _channel = new(server.Address);
    private readonly RawGrpcClient _raw = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _channel.Dispose();
        _raw.Dispose();
    }

    [Fact]
    public async Task A_handler_status_error_is_sent_Trailers_Only_with_a_percent_encoded_message()
    {
        var request = new EchoMessage { Number = (int)GrpcStatusCode.FailedPrecondition, Text = Awkward };

        var response = await _raw.SendAsync(server.Address, GrpcServerFixture.PathOf("Fail"), Frames.Of(request), cancellationToken: Token);

        Assert.Equal(200, response.HttpStatus);
        Assert.True(response.IsTrailersOnly);
        Assert.Equal("application/grpc", response.Headers["content-type"]);
        Assert.Equal("9", response.Headers["grpc-status"]);
        Assert.StartsWith("100%25 na%C3%AFve %E2%9C%93 %E2%80%94 %F0%9F%98%80 \"quoted\"%09tab%0Anewline", response.RawMessage, StringComparison.Ordinal);
        Assert.Equal(Awkward, response.Message);
        Assert.Equal("asked", response.Headers["failure-reason"]);
    }

    [Fact]
    public async Task The_channel_sees_the_status_code_the_decoded_message_and_the_trailers()
    {
        var request = new EchoMessage { Number = (int)GrpcStatusCode.PermissionDenied, Text = Awkward };

        var error = await Assert.ThrowsAsync<GrpcStatusException>(
            () => _channel.CallUnaryAsync(GrpcServerFixture.PathOf("Fail"), request, EchoMessage.Parser, null, Token));

        Assert.Equal(GrpcStatusCode.PermissionDenied, error.Code);
        Assert.Equal(Awkward, error.Detail);
        Assert.Contains(new KeyValuePair<string, string>("failure-bin", "AQID"), error.Trailers);
        Assert.Contains(new KeyValuePair<string, string>("failure-reason", "asked"), error.Trailers);
    }

    [Fact]
    public async Task An_unexpected_exception_is_INTERNAL_without_its_text_and_is_logged()
    {
        var error = await Assert.ThrowsAsync<GrpcStatusException>(
            () => _channel.CallUnaryAsync(GrpcServerFixture.PathOf("Throw"), new EchoMessage { Text = "boom" }, EchoMessage.Parser, null, Token));

        Assert.Equal(GrpcStatusCode.Internal, error.Code);
        Assert.DoesNotContain("secret", error.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("boom", error.Detail, StringComparison.Ordinal);
        Assert.Contains(server.Logs.Entries, entry =>
            entry.Level == LogLevel.Error && entry.Exception?.Message == "secret internal detail boom" && entry.Message.Contains("/perms.tests.Echo/Throw", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unknown_method_is_UNIMPLEMENTED()
    {
        using var channel = new GrpcChannel(server.Address);

        var error = await Assert.ThrowsAsync<GrpcStatusException>(
            () => channel.CallUnaryAsync("/perms.tests.Echo/NoSuchMethod", new EchoMessage(), EchoMessage.Parser, null, Token));

        Assert.Equal(GrpcStatusCode.Unimplemented, error.Code);
        Assert.Equal("unknown service or method /perms.tests.Echo/NoSuchMethod", error.Detail);
    }

    [Fact]
    public async Task An_unknown_service_is_UNIMPLEMENTED_Trailers_Only()
    {
        var response = await _raw.SendAsync(server.Address, "/no.such.Service/Method", Frames.Of(new EchoMessage()), cancellationToken: Token);

        Assert.True(response.IsTrailersOnly);
        Assert.Equal(GrpcStatusCode.Unimplemented, response.Status);
        Assert.Equal("unknown service or method /no.such.Service/Method", response.Message);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/grpc-web")]
    [InlineData("application/grpc+json")]
    [InlineData(null)]
    public async Task A_request_that_is_not_grpc_proto_is_refused_with_415(string? contentType)
    {
        var response = await _raw.SendAsync(server.Address, GrpcServerFixture.PathOf("Echo"), Frames.Of(new EchoMessage()), contentType, cancellationToken: Token);

        Assert.Equal(415, response.HttpStatus);
        Assert.Equal(GrpcStatusCode.Internal, response.Status);
        Assert.Contains("is not supported", response.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_non_grpc_request_to_an_unknown_path_is_left_to_the_app()
    {
        var response = await _raw.SendAsync(server.Address, "/no.such.Service/Method", [], "application/json", cancellationToken: Token);

        Assert.Equal(404, response.HttpStatus);
        Assert.False(response.Headers.ContainsKey("grpc-status"));
    }

    [Fact]
    public async Task An_HTTP_1_1_request_is_refused_with_426()
    {
        var response = await _raw.SendAsync(
            server.Http1Address, GrpcServerFixture.PathOf("Echo"), Frames.Of(new EchoMessage()), version: HttpVersion.Version11, cancellationToken: Token);

        Assert.Equal(426, response.HttpStatus);
        Assert.Equal("h2c", response.Headers["upgrade"]);
        Assert.Equal(GrpcStatusCode.Internal, response.Status);
        Assert.Contains("HTTP/1.1", response.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_GET_is_not_a_gRPC_call()
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.Address, GrpcServerFixture.PathOf("Echo")))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var response = await client.SendAsync(request, Token);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task A_channel_to_a_closed_port_is_UNAVAILABLE()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var channel = new GrpcChannel(new Uri($"http://127.0.0.1:{port}"));

        var error = await Assert.ThrowsAsync<GrpcStatusException>(
            () => channel.CallUnaryAsync(GrpcServerFixture.PathOf("Echo"), new EchoMessage(), EchoMessage.Parser, null, Token));

        Assert.Equal(GrpcStatusCode.Unavailable, error.Code);
    }
}
