using Google.Protobuf;
using Perms.Grpc;
using Perms.UnitTests.Grpc.Protos;

namespace Perms.UnitTests.Grpc;

[Collection(GrpcServerCollection.Name)]
public sealed class GrpcUnaryCallTests(GrpcServerFixture server) : IDisposable
{
    private readonly GrpcChannel _channel = new(server.Address);
    private readonly RawGrpcClient _raw = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _channel.Dispose();
        _raw.Dispose();
    }

    [Fact]
    public async Task A_unary_call_round_trips_every_field_through_the_channel()
    {
        var request = new EchoMessage
        {
            Text = "héllo ✓ \U0001F600",
            Payload = ByteString.CopyFrom(0, 1, 2, 255),
            Number = -42,
            Children = { new EchoMessage { Text = "child", Labels = { ["depth"] = 1 } } },
            Labels = { ["a"] = long.MaxValue, ["b"] = long.MinValue },
        };

        var response = await _channel.CallUnaryAsync(GrpcServerFixture.PathOf("Echo"), request, EchoMessage.Parser, null, Token);

        Assert.Equal(request, response);
    }

    [Fact]
    public async Task An_empty_message_is_a_valid_request_and_response()
    {
        var response = await _channel.CallUnaryAsync(GrpcServerFixture.PathOf("Echo"), new EchoMessage(), EchoMessage.Parser, null, Token);

        Assert.Equal(new EchoMessage(), response);
    }

    [Fact]
    public async Task A_message_larger_than_the_flow_control_window_round_trips()
    {
        // 1.5 MiB: more than Kestrel's 768 KiB stream window, so the server must consume the body while it reads it.
        var payload = new byte[(3 * 1024 * 1024) / 2];
        new Random(7).NextBytes(payload);
        var request = new EchoMessage { Payload = ByteString.CopyFrom(payload) };

        var response = await _channel.CallUnaryAsync(GrpcServerFixture.PathOf("Echo"), request, EchoMessage.Parser, null, Token);

        Assert.Equal(request.Payload, response.Payload);
    }

    [Fact]
    public async Task A_success_is_HTTP_200_with_one_frame_and_grpc_status_0_in_the_trailers()
    {
        var request = new EchoMessage { Text = "raw" };

        var response = await _raw.SendAsync(server.Address, GrpcServerFixture.PathOf("Echo"), Frames.Of(request), cancellationToken: Token);

        Assert.Equal(200, response.HttpStatus);
        Assert.Equal("application/grpc", response.Headers["content-type"]);
        Assert.Equal("identity,gzip", response.Headers["grpc-accept-encoding"]);
        Assert.Equal("h", response.Headers["echo-header"]);
        Assert.False(response.Headers.ContainsKey("grpc-status"));
        Assert.Equal(Frames.Of(request), response.Body);
        Assert.Equal("0", response.Trailers["grpc-status"]);
        Assert.Equal("t", response.Trailers["echo-trailer"]);
    }

    [Fact]
    public async Task Request_metadata_from_the_call_options_reaches_the_handler()
    {
        var options = new GrpcCallOptions { Headers = [new("x-echo", "from metadata"), new("authorization", "Bearer token")] };

        var response = await _channel.CallUnaryAsync(GrpcServerFixture.PathOf("Echo"), new EchoMessage(), EchoMessage.Parser, options, Token);

        Assert.Equal("from metadata", response.Text);
    }

    [Fact]
    public async Task The_content_type_application_grpc_plus_proto_is_accepted()
    {
        var response = await _raw.SendAsync(
            server.Address, GrpcServerFixture.PathOf("Echo"), Frames.Of(new EchoMessage { Number = 5 }), "application/grpc+proto", cancellationToken: Token);

        Assert.Equal(GrpcStatusCode.OK, response.Status);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("123456789S")]
    [InlineData("5x")]
    [InlineData("S")]
    [InlineData("-5S")]
    public async Task A_malformed_grpc_timeout_is_ignored_and_the_call_runs_without_a_deadline(string timeout)
    {
        var response = await _raw.SendAsync(
            server.Address, GrpcServerFixture.PathOf("Echo"), Frames.Of(new EchoMessage { Text = "t" }), headers: [new("grpc-timeout", timeout)], cancellationToken: Token);

        Assert.Equal(GrpcStatusCode.OK, response.Status);
    }

    [Fact]
    public async Task A_call_with_a_timeout_that_does_not_pass_succeeds()
    {
        var options = new GrpcCallOptions { Timeout = TimeSpan.FromMinutes(5) };

        var response = await _channel.CallUnaryAsync(GrpcServerFixture.PathOf("Echo"), new EchoMessage { Text = "in time" }, EchoMessage.Parser, options, Token);

        Assert.Equal("in time", response.Text);
    }

    [Fact]
    public async Task Many_concurrent_calls_share_the_channel()
    {
        var calls = new Task<EchoMessage>[64];
        for (var i = 0; i < calls.Length; i++)
        {
            calls[i] = _channel.CallUnaryAsync(GrpcServerFixture.PathOf("Echo"), new EchoMessage { Number = i }, EchoMessage.Parser, null, Token);
        }

        var responses = await Task.WhenAll(calls);

        for (var i = 0; i < calls.Length; i++)
        {
            Assert.Equal(i, responses[i].Number);
        }
    }
}
