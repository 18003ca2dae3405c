using Perms.Grpc;
using Perms.UnitTests.Grpc.Protos;

namespace Perms.UnitTests.Grpc;

[Collection(GrpcServerCollection.Name)]
public sealed class GrpcServerStreamingTests(GrpcServerFixture server) : IDisposable
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
    public async Task A_server_stream_delivers_every_message_in_order()
    {
        var numbers = new List<int>();
        await foreach (var message in _channel.CallServerStreamingAsync(
            GrpcServerFixture.PathOf("Count"), new EchoMessage { Number = 5, Text = "s" }, EchoMessage.Parser, null, Token))
        {
            numbers.Add(message.Number);
        }

        Assert.Equal([0, 1, 2, 3, 4], numbers);
    }

    [Fact]
    public async Task A_server_stream_without_messages_is_Trailers_Only_OK()
    {
        var response = await _raw.SendAsync(server.Address, GrpcServerFixture.PathOf("Count"), Frames.Of(new EchoMessage()), cancellationToken: Token);

        Assert.True(response.IsTrailersOnly);
        Assert.Equal(GrpcStatusCode.OK, response.Status);
    }

    [Fact]
    public async Task An_error_after_streamed_messages_is_sent_in_the_trailers()
    {
        var response = await _raw.SendAsync(server.Address, GrpcServerFixture.PathOf("CountThenFail"), Frames.Of(new EchoMessage { Number = 2 }), cancellationToken: Token);

        Assert.False(response.IsTrailersOnly);
        Assert.Equal([.. Frames.Of(new EchoMessage { Number = 0 }), .. Frames.Of(new EchoMessage { Number = 1 })], response.Body);
        Assert.Equal("9", response.Trailers["grpc-status"]);
        Assert.Equal("failed after 2", response.Message);
        Assert.Equal("kept", response.Trailers["stream-trailer"]);
    }

    [Fact]
    public async Task The_channel_throws_the_trailers_status_after_the_messages()
    {
        var received = 0;
        var error = await Assert.ThrowsAsync<GrpcStatusException>(async () =>
        {
            await foreach (var message in _channel.CallServerStreamingAsync(
                GrpcServerFixture.PathOf("CountThenFail"), new EchoMessage { Number = 3 }, EchoMessage.Parser, null, Token))
            {
                received++;
            }
        });

        Assert.Equal(3, received);
        Assert.Equal(GrpcStatusCode.FailedPrecondition, error.Code);
        Assert.Equal("failed after 3", error.Detail);
    }

    [Fact]
    public async Task A_unary_call_to_a_streaming_method_with_two_messages_fails_with_INTERNAL()
    {
        var error = await Assert.ThrowsAsync<GrpcStatusException>(() => _channel.CallUnaryAsync(
            GrpcServerFixture.PathOf("Count"), new EchoMessage { Number = 2 }, EchoMessage.Parser, null, Token));

        Assert.Equal(GrpcStatusCode.Internal, error.Code);
    }
}
