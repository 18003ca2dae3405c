using System.Buffers;
using System.Text;
using Perms.Nats;
using Perms.Nats.Internal;

namespace Perms.UnitTests.Nats;

/// <summary>The server-operation parser on hand-made buffers, split at every byte.</summary>
public sealed class NatsParserTests
{
    private const int MaxSize = 1024 * 1024;

    [Fact]
    public void Every_operation_is_read_whatever_the_segment_boundaries()
    {
        var bytes = Encoding.UTF8.GetBytes("INFO {\"server_id\":\"X\"}\r\nMSG a.b 7 reply 4\r\nab\r\n\r\nHMSG c 8 12 14\r\nNATS/1.0\r\n\r\nhi\r\nPING\r\npong\r\n+OK\r\n-ERR 'Unknown Protocol Operation'\r\n");
        for (var cut = 1; cut < bytes.Length; cut++)
        {
            for (var second = cut + 1; second < bytes.Length; second += 13)
            {
                Assert.Equal(
                    ["INFO {\"server_id\":\"X\"}", "MSG a.b 7 reply ab\r\n", "HMSG c 8 NATS/1.0\r\n\r\n hi", "PING", "PONG", "OK", "ERR Unknown Protocol Operation"],
                    ReadAll(BufferSegment.Split(bytes, cut, second)));
            }
        }
    }

    [Fact]
    public void An_incomplete_message_is_left_in_the_buffer()
    {
        var parser = new NatsParser();
        var bytes = Encoding.UTF8.GetBytes("MSG a 1 5\r\nhello\r");
        var buffer = new ReadOnlySequence<byte>(bytes);

        Assert.False(parser.TryRead(ref buffer, MaxSize, out _));
        Assert.Equal(bytes.Length, buffer.Length);
    }

    [Theory]
    [InlineData("FOO\r\n", "an unknown operation")]
    [InlineData("MSG a\r\n", "MSG without 3 or 4 arguments")]
    [InlineData("MSG a b c d e\r\n", "MSG without 3 or 4 arguments")]
    [InlineData("MSG a 1 x\r\n", "a size that is not a number")]
    [InlineData("MSG a 1 2000000000000\r\n", "a size that is not a number")]
    [InlineData("HMSG a 1 5\r\n", "HMSG without 4 or 5 arguments")]
    [InlineData("HMSG a 1 9 3\r\n", "a header size outside the message")]
    [InlineData("MSG a 1 2\r\nabc\r\n", "a payload whose size does not match")]
    [InlineData("\u0001\u0002 no newline yet", "an unknown operation")]
    public void A_malformed_operation_throws_naming_the_line(string text, string problem)
    {
        var parser = new NatsParser();
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text));

        var error = Assert.Throws<NatsProtocolException>(() => parser.TryRead(ref buffer, MaxSize, out _));

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Contains(NatsParser.Show(Encoding.UTF8.GetBytes(text.Split('\r')[0])), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_line_without_an_end_is_garbage_past_64_KiB()
    {
        var parser = new NatsParser();
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("INFO " + new string('x', NatsParser.MaxControlLine)));

        var error = Assert.Throws<NatsProtocolException>(() => parser.TryRead(ref buffer, MaxSize, out _));

        Assert.Contains("without an end", error.Message, StringComparison.Ordinal);
        Assert.Contains("...", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_message_larger_than_the_limit_is_malformed()
    {
        var parser = new NatsParser();
        var buffer = new ReadOnlySequence<byte>("MSG a 1 101\r\n"u8.ToArray());

        Assert.Throws<NatsProtocolException>(() => parser.TryRead(ref buffer, 100, out _));
    }

    private static List<string> ReadAll(ReadOnlySequence<byte> buffer)
    {
        var parser = new NatsParser();
        var operations = new List<string>();
        while (parser.TryRead(ref buffer, MaxSize, out var frame))
        {
            operations.Add(frame.Op switch
            {
                NatsServerOp.Info => "INFO " + Encoding.UTF8.GetString(frame.Text),
                NatsServerOp.Msg => $"MSG {Encoding.UTF8.GetString(frame.Subject)} {frame.Sid} {Encoding.UTF8.GetString(frame.ReplyTo)} {Encoding.UTF8.GetString(frame.Payload.ToArray())}",
                NatsServerOp.HMsg => $"HMSG {Encoding.UTF8.GetString(frame.Subject)} {frame.Sid} {Encoding.UTF8.GetString(frame.Headers.ToArray())} {Encoding.UTF8.GetString(frame.Payload.ToArray())}",
                NatsServerOp.Ping => "PING",
                NatsServerOp.Pong => "PONG",
                NatsServerOp.Ok => "OK",
                NatsServerOp.Err => "ERR " + Encoding.UTF8.GetString(frame.Text),
                _ => "?",
            });
        }

        Assert.True(buffer.IsEmpty);
        return operations;
    }
}
