using System.Text;
using System.Threading.Channels;
using Perms.Nats;

namespace Perms.UnitTests.Nats;

/// <summary>MSG, HMSG, PUB and HPUB against a fake server, byte for byte.</summary>
public sealed class NatsMessageTests : IDisposable
{
    private readonly FakeNatsHarness _harness = new();
    private readonly Channel<NatsMsg> _received = Channel.CreateUnbounded<NatsMsg>();

    private CancellationToken Token => _harness.Token;

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task A_MSG_reaches_the_handler_with_its_subject_reply_subject_and_payload()
    {
        await using var connection = _harness.CreateConnection();
        await using var subscription = await connection.SubscribeAsync("orders.*", FakeNatsHarness.Into(_received), cancellationToken: Token);
        using var peer = await _harness.ConnectAsync(connection);
        var sid = Assert.Single(peer.HandshakeLines).Split(' ')[^1];

        await peer.SendAsync($"MSG orders.created {sid} reply.1 5\r\nhello\r\nMSG orders.created {sid} 3\r\nbye\r\n", Token);

        var first = await _harness.ReceiveAsync(_received);
        var second = await _harness.ReceiveAsync(_received);
        Assert.Equal(("orders.created", "reply.1", "hello"), (first.Subject, first.ReplyTo, Encoding.UTF8.GetString(first.Data.Span)));
        Assert.Null(first.Headers);
        Assert.Equal(("orders.created", null, "bye"), (second.Subject, second.ReplyTo, Encoding.UTF8.GetString(second.Data.Span)));
        Assert.Equal(2, connection.Statistics.MessagesIn);
        Assert.Equal(8, connection.Statistics.BytesIn);
    }

    [Fact]
    public async Task An_HMSG_reaches_the_handler_with_its_headers_and_status()
    {
        await using var connection = _harness.CreateConnection();
        await using var subscription = await connection.SubscribeAsync("a", FakeNatsHarness.Into(_received), cancellationToken: Token);
        using var peer = await _harness.ConnectAsync(connection);
        var sid = Assert.Single(peer.HandshakeLines).Split(' ')[^1];
        const string Headers = "NATS/1.0 503 No Responders\r\nTrace-Id: 42\r\nTag: x\r\nTag:  y \r\n\r\n";

        await peer.SendAsync($"HMSG a {sid} {Headers.Length} {Headers.Length + 4}\r\n{Headers}body\r\n", Token);

        var message = await _harness.ReceiveAsync(_received);
        Assert.Equal("body", Encoding.UTF8.GetString(message.Data.Span));
        Assert.NotNull(message.Headers);
        Assert.Equal(503, message.Headers.StatusCode);
        Assert.Equal("No Responders", message.Headers.StatusDescription);
        Assert.Equal(["42"], message.Headers["Trace-Id"]);
        Assert.Equal(["x", "y"], message.Headers["Tag"]);
        Assert.Equal(["Trace-Id", "Tag"], message.Headers.Names);
    }

    [Fact]
    public async Task A_message_split_across_many_reads_is_put_back_together()
    {
        await using var connection = _harness.CreateConnection();
        await using var subscription = await connection.SubscribeAsync("split", FakeNatsHarness.Into(_received), cancellationToken: Token);
        using var peer = await _harness.ConnectAsync(connection);
        var sid = Assert.Single(peer.HandshakeLines).Split(' ')[^1];
        var payload = string.Concat(Enumerable.Range(0, 300).Select(i => (char)('a' + (i % 26))));
        var bytes = Encoding.UTF8.GetBytes($"MSG split {sid} {payload.Length}\r\n{payload}\r\nHMSG split {sid} 12 14\r\nNATS/1.0\r\n\r\nok\r\n");

        foreach (var chunk in bytes.Chunk(7))
        {
            await peer.SendAsync(chunk, Token);
            await Task.Delay(1, Token);
        }

        Assert.Equal(payload, Encoding.UTF8.GetString((await _harness.ReceiveAsync(_received)).Data.Span));
        var withHeaders = await _harness.ReceiveAsync(_received);
        Assert.Equal("ok", Encoding.UTF8.GetString(withHeaders.Data.Span));
        Assert.Equal(0, withHeaders.Headers?.Count);
    }

    [Fact]
    public async Task A_payload_holding_CRLF_and_protocol_text_is_delivered_whole()
    {
        await using var connection = _harness.CreateConnection();
        await using var subscription = await connection.SubscribeAsync("crlf", FakeNatsHarness.Into(_received), cancellationToken: Token);
        using var peer = await _harness.ConnectAsync(connection);
        var sid = Assert.Single(peer.HandshakeLines).Split(' ')[^1];
        const string Payload = "line 1\r\nMSG fake 1 2\r\nPING\r\n\r\n";

        await peer.SendAsync($"MSG crlf {sid} {Payload.Length}\r\n{Payload}\r\nMSG crlf {sid} 0\r\n\r\n", Token);

        Assert.Equal(Payload, Encoding.UTF8.GetString((await _harness.ReceiveAsync(_received)).Data.Span));
        Assert.True((await _harness.ReceiveAsync(_received)).Data.IsEmpty);
    }

    [Fact]
    public async Task A_MSG_for_an_unknown_subscription_is_ignored()
    {
        await using var connection = _harness.CreateConnection();
        await using var subscription = await connection.SubscribeAsync("known", FakeNatsHarness.Into(_received), cancellationToken: Token);
        using var peer = await _harness.ConnectAsync(connection);
        var sid = Assert.Single(peer.HandshakeLines).Split(' ')[^1];

        await peer.SendAsync($"MSG other 999 1\r\nx\r\nMSG known {sid} 1\r\ny\r\n", Token);

        Assert.Equal("y", Encoding.UTF8.GetString((await _harness.ReceiveAsync(_received)).Data.Span));
        Assert.Equal(NatsConnectionState.Connected, connection.State);
    }

    [Fact]
    public async Task Publish_writes_PUB_and_HPUB_with_their_sizes()
    {
        await using var connection = _harness.CreateConnection();
        using var peer = await _harness.ConnectAsync(connection);
        var headers = new NatsHeaders { { "Trace-Id", "42" }, { "Tag", "a" }, { "Tag", "b" } };

        await connection.PublishAsync("orders.created", "hello"u8.ToArray(), cancellationToken: Token);
        await connection.PublishAsync("orders.created", "hi"u8.ToArray(), headers, Token);
        await connection.PublishAsync("empty", ReadOnlyMemory<byte>.Empty, cancellationToken: Token);

        var pub = await peer.ReadCommandAsync(Token);
        var hpub = await peer.ReadCommandAsync(Token);
        var empty = await peer.ReadCommandAsync(Token);
        Assert.Equal("PUB orders.created 5", pub.Line);
        Assert.Equal("hello", Encoding.UTF8.GetString(pub.Payload));
        const string Block = "NATS/1.0\r\nTrace-Id: 42\r\nTag: a\r\nTag: b\r\n\r\n";
        Assert.Equal($"HPUB orders.created {Block.Length} {Block.Length + 2}", hpub.Line);
        Assert.Equal(Block + "hi", Encoding.UTF8.GetString(hpub.Payload));
        Assert.Equal("PUB empty 0", empty.Line);
        Assert.Empty(empty.Payload);
        Assert.Equal(3, connection.Statistics.MessagesOut);
    }

    [Fact]
    public async Task Publishing_more_than_max_payload_throws_naming_both_sizes()
    {
        _harness.Server.Info = """{"server_id":"FAKE","version":"2.9.10","proto":1,"headers":true,"max_payload":100}""";
        await using var connection = _harness.CreateConnection();
        using var peer = await _harness.ConnectAsync(connection);

        await connection.PublishAsync("fits", new byte[100], cancellationToken: Token);
        var error = await Assert.ThrowsAsync<NatsException>(() => connection.PublishAsync("big", new byte[101], cancellationToken: Token).AsTask());
        var withHeaders = await Assert.ThrowsAsync<NatsException>(() => connection.PublishAsync("big", new byte[90], new NatsHeaders { { "A", "b" } }, Token).AsTask());

        Assert.Contains("101 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("100 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("max_payload", error.Message, StringComparison.Ordinal);
        Assert.Contains("100 bytes", withHeaders.Message, StringComparison.Ordinal);
        Assert.Equal("PUB fits 100", (await peer.ReadCommandAsync(Token)).Line);
    }

    [Fact]
    public async Task Publishing_headers_to_a_server_without_headers_throws()
    {
        _harness.Server.Info = """{"server_id":"FAKE","version":"2.1.0","proto":1,"max_payload":1048576}""";
        await using var connection = _harness.CreateConnection();
        using var peer = await _harness.ConnectAsync(connection);

        var error = await Assert.ThrowsAsync<NatsException>(() => connection.PublishAsync("a", new byte[1], new NatsHeaders { { "A", "b" } }, Token).AsTask());

        Assert.Contains("headers", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publishing_or_flushing_while_not_connected_throws_NatsException()
    {
        await using var connection = _harness.CreateConnection();

        var publish = await Assert.ThrowsAsync<NatsException>(() => connection.PublishAsync("a", new byte[1], cancellationToken: Token).AsTask());
        await Assert.ThrowsAsync<NatsException>(() => connection.FlushAsync(Token));

        Assert.Contains("Not connected", publish.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FlushAsync_returns_when_the_server_answers_the_PING()
    {
        await using var connection = _harness.CreateConnection();
        using var peer = await _harness.ConnectAsync(connection);

        await connection.PublishAsync("a", new byte[1], cancellationToken: Token);
        var flush = connection.FlushAsync(Token);
        Assert.Equal("PUB a 1", (await peer.ReadCommandAsync(Token)).Line);
        Assert.Equal("PING", await peer.ReadLineAsync(Token));
        await Task.Delay(50, Token);
        Assert.False(flush.IsCompleted);
        await peer.SendAsync("PONG\r\n", Token);

        await flush;
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("a b")]
    [InlineData("a\tb")]
    [InlineData("a\r\nPUB x 1")]
    [InlineData("a..b")]
    [InlineData(".a")]
    [InlineData("a.")]
    [InlineData("a.*")]
    [InlineData("a.>")]
    public async Task An_invalid_subject_to_publish_to_is_refused_naming_the_parameter(string subject)
    {
        await using var connection = _harness.CreateConnection();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => connection.PublishAsync(subject, new byte[1], cancellationToken: Token).AsTask());

        Assert.Equal("subject", error.ParamName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a b")]
    [InlineData("a..b")]
    [InlineData("a.>.b")]
    [InlineData("a.")]
    public async Task An_invalid_subject_to_subscribe_to_is_refused_naming_the_parameter(string subject)
    {
        await using var connection = _harness.CreateConnection();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => connection.SubscribeAsync(subject, (_, _) => ValueTask.CompletedTask, cancellationToken: Token).AsTask());

        Assert.Equal("subject", error.ParamName);
    }

    [Fact]
    public async Task An_invalid_queue_group_is_refused_naming_the_parameter()
    {
        await using var connection = _harness.CreateConnection();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => connection.SubscribeAsync("a", (_, _) => ValueTask.CompletedTask, "two words", Token).AsTask());

        Assert.Equal("queueGroup", error.ParamName);
    }

    [Fact]
    public async Task Wildcard_subjects_are_accepted_for_subscriptions()
    {
        await using var connection = _harness.CreateConnection();

        await using var star = await connection.SubscribeAsync("a.*.c", (_, _) => ValueTask.CompletedTask, cancellationToken: Token);
        await using var rest = await connection.SubscribeAsync("a.>", (_, _) => ValueTask.CompletedTask, cancellationToken: Token);
        await using var all = await connection.SubscribeAsync(">", (_, _) => ValueTask.CompletedTask, cancellationToken: Token);

        Assert.Equal("a.>", rest.Subject);
    }
}
