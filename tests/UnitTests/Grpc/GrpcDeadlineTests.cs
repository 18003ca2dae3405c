using Perms.Grpc;
using Perms.UnitTests.Grpc.Protos;

namespace Perms.UnitTests.Grpc;

[Collection(GrpcServerCollection.Name)]
public sealed class GrpcDeadlineTests(GrpcServerFixture server) : IDisposable
{
    /// <summary>A bound on waits that only a broken implementation reaches; never a measure of speed.</summary>
    private static readonly TimeSpan Safety = TimeSpan.FromSeconds(20);

    private readonly GrpcChannel _channel = new(server.Address);
    private readonly RawGrpcClient _raw = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _channel.Dispose();
        _raw.Dispose();
    }

    [Fact]
    public async Task The_deadline_cancels_the_handler_token_and_the_call_ends_with_DEADLINE_EXCEEDED()
    {
        var key = Guid.NewGuid().ToString();

        var response = await _raw.SendAsync(
            server.Address, GrpcServerFixture.PathOf("Wait"), Frames.Of(new EchoMessage { Text = key }), headers: [new("grpc-timeout", "100m")], cancellationToken: Token)
            .WaitAsync(Safety, Token);

        Assert.True(response.IsTrailersOnly);
        Assert.Equal(GrpcStatusCode.DeadlineExceeded, response.Status);
        await server.Probe(key).Cancelled.Task.WaitAsync(Safety, Token);
    }

    [Fact]
    public async Task A_handler_that_ignores_its_token_still_ends_with_DEADLINE_EXCEEDED_and_its_late_answer_is_dropped()
    {
        var key = Guid.NewGuid().ToString();
        var probe = server.Probe(key);

        // The handler is still blocked when the response arrives: the deadline alone produced it.
        var response = await _raw.SendAsync(
            server.Address, GrpcServerFixture.PathOf("IgnoreDeadline"), Frames.Of(new EchoMessage { Text = key }), headers: [new("grpc-timeout", "50m")], cancellationToken: Token)
            .WaitAsync(Safety, Token);
        Assert.False(probe.Finished.Task.IsCompleted);
        probe.Release.SetResult();
        await probe.Finished.Task.WaitAsync(Safety, Token);

        Assert.True(response.IsTrailersOnly);
        Assert.Equal(GrpcStatusCode.DeadlineExceeded, response.Status);
        Assert.Equal("Deadline Exceeded", response.Message);
        Assert.False(response.Headers.ContainsKey("late-trailer"));
        var after = await _channel.CallUnaryAsync(GrpcServerFixture.PathOf("Echo"), new EchoMessage { Text = "still serving" }, EchoMessage.Parser, null, Token);
        Assert.Equal("still serving", after.Text);
    }

    [Fact]
    public async Task A_channel_timeout_ends_the_call_with_DEADLINE_EXCEEDED_and_cancels_the_handler()
    {
        var key = Guid.NewGuid().ToString();
        var options = new GrpcCallOptions { Timeout = TimeSpan.FromMilliseconds(100) };

        var error = await Assert.ThrowsAsync<GrpcStatusException>(
            () => _channel.CallUnaryAsync(GrpcServerFixture.PathOf("Wait"), new EchoMessage { Text = key }, EchoMessage.Parser, options, Token).WaitAsync(Safety, Token));

        Assert.Equal(GrpcStatusCode.DeadlineExceeded, error.Code);
        await server.Probe(key).Cancelled.Task.WaitAsync(Safety, Token);
    }

    [Fact]
    public async Task A_deadline_already_passed_fails_in_the_channel_without_a_call()
    {
        var options = new GrpcCallOptions { Deadline = DateTimeOffset.UtcNow.AddSeconds(-1) };

        var error = await Assert.ThrowsAsync<GrpcStatusException>(
            () => _channel.CallUnaryAsync(GrpcServerFixture.PathOf("Echo"), new EchoMessage(), EchoMessage.Parser, options, Token));

        Assert.Equal(GrpcStatusCode.DeadlineExceeded, error.Code);
    }

    [Fact]
    public async Task A_zero_grpc_timeout_is_DEADLINE_EXCEEDED_without_running_the_handler()
    {
        var key = Guid.NewGuid().ToString();

        var response = await _raw.SendAsync(
            server.Address, GrpcServerFixture.PathOf("Wait"), Frames.Of(new EchoMessage { Text = key }), headers: [new("grpc-timeout", "0S")], cancellationToken: Token);

        Assert.True(response.IsTrailersOnly);
        Assert.Equal(GrpcStatusCode.DeadlineExceeded, response.Status);
        Assert.False(server.Probe(key).Started.Task.IsCompleted);
    }

    [Fact]
    public async Task A_deadline_after_streamed_messages_ends_the_stream_with_DEADLINE_EXCEEDED_in_the_trailers()
    {
        // A second is far more than two small writes take, so both messages precede the deadline on any machine.
        var key = Guid.NewGuid().ToString();

        var response = await _raw.SendAsync(
            server.Address, GrpcServerFixture.PathOf("CountThenWait"), Frames.Of(new EchoMessage { Text = key, Number = 2 }), headers: [new("grpc-timeout", "1S")], cancellationToken: Token)
            .WaitAsync(Safety, Token);

        Assert.False(response.IsTrailersOnly);
        Assert.Equal(
            [.. Frames.Of(new EchoMessage { Text = key, Number = 0 }), .. Frames.Of(new EchoMessage { Text = key, Number = 1 })],
            response.Body);
        Assert.Equal("4", response.Trailers["grpc-status"]);
        await server.Probe(key).Cancelled.Task.WaitAsync(Safety, Token);
    }

    [Fact]
    public async Task A_client_abort_cancels_the_handler_token()
    {
        var key = Guid.NewGuid().ToString();
        var probe = server.Probe(key);
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(Token);

        var call = _channel.CallUnaryAsync(GrpcServerFixture.PathOf("Wait"), new EchoMessage { Text = key }, EchoMessage.Parser, null, abort.Token);
        await probe.Started.Task.WaitAsync(Safety, Token);
        await abort.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(Safety, Token));
        await probe.Cancelled.Task.WaitAsync(Safety, Token);
    }

    [Fact]
    public async Task Abandoning_a_stream_cancels_the_handler_token()
    {
        var key = Guid.NewGuid().ToString();
        var probe = server.Probe(key);

        await foreach (var message in _channel.CallServerStreamingAsync(
            GrpcServerFixture.PathOf("CountThenWait"), new EchoMessage { Text = key, Number = 1 }, EchoMessage.Parser, null, Token))
        {
            Assert.Equal(0, message.Number);
            break;
        }

        await probe.Cancelled.Task.WaitAsync(Safety, Token);
    }
}
