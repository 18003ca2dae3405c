using Google.Protobuf;
using Perms.Grpc;
using Perms.UnitTests.Grpc.Protos;

namespace Perms.UnitTests.Grpc;

[Collection(GrpcServerCollection.Name)]
public sealed class GrpcFramingTests(GrpcServerFixture server) : IDisposable
{
    private static readonly TimeSpan Safety = TimeSpan.FromSeconds(20);

    private readonly GrpcChannel _channel = new(server.Address);
    private readonly RawGrpcClient _raw = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static string Echo => GrpcServerFixture.PathOf("Echo");

    public void Dispose()
    {
        _channel.Dispose();
        _raw.Dispose();
    }

    [Fact]
    public async Task A_request_over_the_receive_limit_is_RESOURCE_EXHAUSTED()
    {
        var request = new EchoMessage { Payload = ByteString.CopyFrom(new byte[GrpcServerFixture.MaxMessageSize + 1]) };

        var error = await Assert.ThrowsAsync<GrpcStatusException>(() => _channel.CallUnaryAsync(Echo, request, EchoMessage.Parser, null, Token));

        Assert.Equal(GrpcStatusCode.ResourceExhausted, error.Code);
        Assert.StartsWith("Received message larger than max", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_frame_header_announcing_too_much_is_RESOURCE_EXHAUSTED_before_the_body_arrives()
    {
        var response = await Send(Frames.Header(0, uint.MaxValue));

        Assert.True(response.IsTrailersOnly);
        Assert.Equal(GrpcStatusCode.ResourceExhausted, response.Status);
    }

    [Fact]
    public async Task A_response_over_the_send_limit_is_RESOURCE_EXHAUSTED()
    {
        var error = await Assert.ThrowsAsync<GrpcStatusException>(() => _channel.CallUnaryAsync(
            GrpcServerFixture.PathOf("Big"), new EchoMessage { Number = GrpcServerFixture.MaxMessageSize }, EchoMessage.Parser, null, Token));

        Assert.Equal(GrpcStatusCode.ResourceExhausted, error.Code);
        Assert.StartsWith("Sending message exceeds the maximum configured message size", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_response_over_the_channel_receive_limit_is_RESOURCE_EXHAUSTED()
    {
        using var channel = new GrpcChannel(server.Address, new GrpcChannelOptions { MaxReceiveMessageSize = 1000 });

        var error = await Assert.ThrowsAsync<GrpcStatusException>(() => channel.CallUnaryAsync(
            GrpcServerFixture.PathOf("Big"), new EchoMessage { Number = 2000 }, EchoMessage.Parser, null, Token));

        Assert.Equal(GrpcStatusCode.ResourceExhausted, error.Code);
    }

    [Fact]
    public async Task A_gzip_request_round_trips()
    {
        var request = new EchoMessage { Text = "compressed", Payload = ByteString.CopyFrom(new byte[100_000]) };

        var response = await Send(Frames.Frame(Frames.Gzip(request.ToByteArray()), flag: 1), [new("grpc-encoding", "gzip")]);

        Assert.Equal(GrpcStatusCode.OK, response.Status);
        Assert.Equal(Frames.Of(request), response.Body);
    }

    [Fact]
    public async Task A_compressed_message_without_grpc_encoding_is_INTERNAL()
    {
        var response = await Send(Frames.Frame(Frames.Gzip(new EchoMessage { Text = "x" }.ToByteArray()), flag: 1));

        Assert.Equal(GrpcStatusCode.Internal, response.Status);
    }

    [Fact]
    public async Task A_compressed_message_in_an_unsupported_encoding_is_UNIMPLEMENTED_and_names_the_supported_ones()
    {
        var response = await Send(Frames.Frame([1, 2, 3], flag: 1), [new("grpc-encoding", "snappy")]);

        Assert.True(response.IsTrailersOnly);
        Assert.Equal(GrpcStatusCode.Unimplemented, response.Status);
        Assert.Equal("identity,gzip", response.Headers["grpc-accept-encoding"]);
        Assert.Contains("snappy", response.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gzip_message_that_expands_past_the_limit_is_RESOURCE_EXHAUSTED()
    {
        var bomb = Frames.Gzip(new EchoMessage { Payload = ByteString.CopyFrom(new byte[GrpcServerFixture.MaxMessageSize + 10]) }.ToByteArray());

        var response = await Send(Frames.Frame(bomb, flag: 1), [new("grpc-encoding", "gzip")]);

        Assert.True(bomb.Length < GrpcServerFixture.MaxMessageSize / 100);
        Assert.Equal(GrpcStatusCode.ResourceExhausted, response.Status);
    }

    [Fact]
    public async Task Data_that_is_not_gzip_is_INTERNAL()
    {
        var response = await Send(Frames.Frame([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], flag: 1), [new("grpc-encoding", "gzip")]);

        Assert.Equal(GrpcStatusCode.Internal, response.Status);
        Assert.StartsWith("Received message could not be decompressed", response.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gzip_cut_short_is_INTERNAL_and_not_a_shorter_message()
    {
        var gzip = Frames.Gzip(new EchoMessage { Text = new string('x', 3000), Number = 7 }.ToByteArray());

        foreach (var keep in new[] { 0, 10, gzip.Length / 2, gzip.Length - 8, gzip.Length - 1 })
        {
            var response = await Send(Frames.Frame(gzip.AsSpan(0, keep), flag: 1), [new("grpc-encoding", "gzip")]);

            Assert.Equal(GrpcStatusCode.Internal, response.Status);
        }
    }

    [Fact]
    public async Task A_second_message_on_a_unary_call_is_INTERNAL()
    {
        var frame = Frames.Of(new EchoMessage { Text = "one" });

        var response = await Send([.. frame, .. frame]);

        Assert.True(response.IsTrailersOnly);
        Assert.Equal(GrpcStatusCode.Internal, response.Status);
        Assert.Equal("Additional data after the message received.", response.Message);
    }

    [Fact]
    public async Task A_stray_byte_after_the_message_is_INTERNAL()
    {
        var response = await Send([.. Frames.Of(new EchoMessage { Text = "one" }), 0]);

        Assert.Equal(GrpcStatusCode.Internal, response.Status);
    }

    [Fact]
    public async Task An_empty_body_is_INTERNAL()
    {
        var response = await Send([]);

        Assert.True(response.IsTrailersOnly);
        Assert.Equal(GrpcStatusCode.Internal, response.Status);
        Assert.Equal("Request did not include a message.", response.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(12)]
    public async Task A_frame_cut_short_is_INTERNAL_and_never_hangs(int keep)
    {
        var frame = Frames.Of(new EchoMessage { Text = "a message of some length" });

        var response = await Send(frame[..keep]);

        Assert.True(response.IsTrailersOnly);
        Assert.Equal(GrpcStatusCode.Internal, response.Status);
    }

    [Fact]
    public async Task A_large_frame_cut_short_is_INTERNAL_and_never_hangs()
    {
        var frame = Frames.Of(new EchoMessage { Payload = ByteString.CopyFrom(new byte[1_000_000]) });

        var response = await Send(frame[..900_000]);

        Assert.Equal(GrpcStatusCode.Internal, response.Status);
    }

    [Fact]
    public async Task Bytes_that_are_not_the_request_message_are_INVALID_ARGUMENT()
    {
        // Field 1 (string) announcing 100 bytes of which 2 follow; then a zero tag.
        var response = await Send(Frames.Frame([0x0A, 100, 1, 2]));
        var zeroTag = await Send(Frames.Frame([0, 0, 0]));

        Assert.True(response.IsTrailersOnly);
        Assert.Equal(GrpcStatusCode.InvalidArgument, response.Status);
        Assert.StartsWith("request message could not be parsed: ", response.Message, StringComparison.Ordinal);
        Assert.Equal(GrpcStatusCode.InvalidArgument, zeroTag.Status);
    }

    [Fact]
    public async Task A_compressed_flag_other_than_0_or_1_is_INTERNAL()
    {
        var response = await Send(Frames.Frame([], flag: 2));

        Assert.Equal(GrpcStatusCode.Internal, response.Status);
    }

    [Fact]
    public async Task A_request_that_takes_many_reads_is_assembled()
    {
        var request = new EchoMessage { Payload = ByteString.CopyFrom(new byte[40_000]), Text = "pieces" };

        var response = await _raw.SendAsync(server.Address, Echo, Frames.Of(request), cancellationToken: Token).WaitAsync(Safety, Token);

        Assert.Equal(GrpcStatusCode.OK, response.Status);
        Assert.Equal(Frames.Of(request), response.Body);
    }

    private Task<RawGrpcResponse> Send(byte[] body, IReadOnlyList<KeyValuePair<string, string>>? headers = null) =>
        _raw.SendAsync(server.Address, Echo, body, headers: headers, cancellationToken: Token).WaitAsync(Safety, Token);
}
