using System.Buffers;
using System.Text;

namespace Perms.Nats.Internal;

/// <summary>
/// Reads server operations from the socket's buffer without copying payloads or allocating: a frame's spans point
/// into the buffer (or into a scratch line when a line straddles two segments).
/// </summary>
internal sealed class NatsParser
{
    /// <summary>A line longer than this without an end is garbage, not a slow sender.</summary>
    public const int MaxControlLine = 64 * 1024;

    private const int MaxShownLine = 128;

    private byte[] _line = new byte[256];

    /// <summary>
    /// Reads the next operation and moves <paramref name="buffer"/> past it. Returns false, leaving the buffer as it
    /// was, when the operation is not complete yet.
    /// </summary>
    /// <param name="buffer">The bytes received and not yet consumed.</param>
    /// <param name="maxMessageSize">The largest MSG size believed; a larger one is malformed.</param>
    /// <param name="frame">The operation read.</param>
    /// <exception cref="NatsProtocolException">The bytes are not the NATS protocol.</exception>
    public bool TryRead(ref ReadOnlySequence<byte> buffer, int maxMessageSize, out NatsFrame frame)
    {
        frame = default;
        if (buffer.IsEmpty)
        {
            return false;
        }

        var newline = buffer.PositionOf((byte)'\n');
        if (newline is null)
        {
            if (buffer.Length > MaxControlLine || !CouldStartOperation(buffer))
            {
                throw Malformed(buffer.Length > MaxControlLine ? "a line without an end" : "an unknown operation", Prefix(buffer));
            }

            return false;
        }

        var lineSequence = buffer.Slice(0, newline.Value);
        var line = lineSequence.IsSingleSegment ? lineSequence.FirstSpan : CopyLine(lineSequence);
        if (line is [.., (byte)'\r'])
        {
            line = line[..^1];
        }

        var afterLine = buffer.Slice(buffer.GetPosition(1, newline.Value));
        switch (line is [] ? (byte)0 : line[0])
        {
            case (byte)'M' or (byte)'m' when IsOp(line, "MSG"u8):
                return TryReadMessage(line, line[3..], afterLine, ref buffer, maxMessageSize, headers: false, out frame);
            case (byte)'H' or (byte)'h' when IsOp(line, "HMSG"u8):
                return TryReadMessage(line, line[4..], afterLine, ref buffer, maxMessageSize, headers: true, out frame);
            case (byte)'P' or (byte)'p' when IsBareOp(line, "PING"u8):
                frame = new NatsFrame { Op = NatsServerOp.Ping };
                break;
            case (byte)'P' or (byte)'p' when IsBareOp(line, "PONG"u8):
                frame = new NatsFrame { Op = NatsServerOp.Pong };
                break;
            case (byte)'+' when IsBareOp(line, "+OK"u8):
                frame = new NatsFrame { Op = NatsServerOp.Ok };
                break;
            case (byte)'-' when IsOp(line, "-ERR"u8):
                frame = new NatsFrame { Op = NatsServerOp.Err, Text = Unquote(line[4..].Trim(" \t"u8)) };
                break;
            case (byte)'I' or (byte)'i' when IsOp(line, "INFO"u8):
                frame = new NatsFrame { Op = NatsServerOp.Info, Text = line[4..].Trim(" \t"u8) };
                break;
            default:
                throw Malformed("an unknown operation", line);
        }

        buffer = afterLine;
        return true;
    }

    /// <summary>The line, printable and cut to 128 characters, for a log or an exception.</summary>
    public static string Show(ReadOnlySpan<byte> line)
    {
        var shown = line.Length > MaxShownLine ? line[..MaxShownLine] : line;
        var text = new StringBuilder(shown.Length + 8);
        foreach (var b in shown)
        {
            _ = b switch
            {
                (byte)'\r' => text.Append("\\r"),
                (byte)'\n' => text.Append("\\n"),
                (byte)'\t' => text.Append("\\t"),
                < 0x20 or >= 0x7f => text.Append("\\x").Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)),
                _ => text.Append((char)b),
            };
        }

        return line.Length > MaxShownLine ? text.Append("...").ToString() : text.ToString();
    }

    private static bool TryReadMessage(
        ReadOnlySpan<byte> line,
        ReadOnlySpan<byte> arguments,
        ReadOnlySequence<byte> afterLine,
        ref ReadOnlySequence<byte> buffer,
        int maxMessageSize,
        bool headers,
        out NatsFrame frame)
    {
        frame = default;
        Span<Range> ranges = stackalloc Range[6];
        var count = Split(arguments, ranges);
        var withReply = headers ? count == 5 : count == 4;
        if (count != (headers ? 4 : 3) && !withReply)
        {
            throw Malformed(headers ? "HMSG without 4 or 5 arguments" : "MSG without 3 or 4 arguments", line);
        }

        var subject = arguments[ranges[0]];
        var replyTo = withReply ? arguments[ranges[2]] : default;
        var next = withReply ? 3 : 2;
        if (!TryParseNumber(arguments[ranges[1]], out var sid))
        {
            throw Malformed("a subscription id that is not a number", line);
        }

        var headerSize = 0L;
        if (headers && !TryParseNumber(arguments[ranges[next++]], out headerSize))
        {
            throw Malformed("a header size that is not a number", line);
        }

        if (!TryParseNumber(arguments[ranges[next]], out var totalSize) || totalSize > maxMessageSize)
        {
            throw Malformed($"a size that is not a number up to {maxMessageSize}", line);
        }

        if (headerSize > totalSize || (headers && headerSize == 0))
        {
            throw Malformed("a header size outside the message", line);
        }

        if (afterLine.Length < totalSize + 2)
        {
            return false;
        }

        var message = afterLine.Slice(0, totalSize);
        var end = afterLine.Slice(totalSize, 2);
        Span<byte> crlf = stackalloc byte[2];
        end.CopyTo(crlf);
        if (crlf[0] != '\r' || crlf[1] != '\n')
        {
            throw Malformed("a payload whose size does not match its announced size", line);
        }

        frame = new NatsFrame
        {
            Op = headers ? NatsServerOp.HMsg : NatsServerOp.Msg,
            Subject = subject,
            ReplyTo = replyTo,
            Sid = sid,
            Headers = headers ? message.Slice(0, headerSize) : default,
            Payload = headers ? message.Slice(headerSize) : message,
            TotalSize = (int)totalSize,
        };
        buffer = afterLine.Slice(end.End);
        return true;
    }

    /// <summary>Splits on runs of spaces and tabs; returns the count, or ranges.Length when there are more.</summary>
    private static int Split(ReadOnlySpan<byte> arguments, Span<Range> ranges)
    {
        var count = 0;
        var i = 0;
        while (i < arguments.Length)
        {
            if (arguments[i] is (byte)' ' or (byte)'\t')
            {
                i++;
                continue;
            }

            if (count == ranges.Length)
            {
                return count;
            }

            var start = i;
            while (i < arguments.Length && arguments[i] is not ((byte)' ' or (byte)'\t'))
            {
                i++;
            }

            ranges[count++] = new Range(start, i);
        }

        return count;
    }

    private static bool TryParseNumber(ReadOnlySpan<byte> digits, out long value)
    {
        value = 0;
        if (digits.IsEmpty || digits.Length > 18)
        {
            return false;
        }

        foreach (var digit in digits)
        {
            if (digit is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            value = (value * 10) + (digit - '0');
        }

        return true;
    }

    /// <summary>True for an operation followed by whitespace (its arguments).</summary>
    private static bool IsOp(ReadOnlySpan<byte> line, ReadOnlySpan<byte> op) =>
        line.Length > op.Length && line[op.Length] is (byte)' ' or (byte)'\t' && Ascii.EqualsIgnoreCase(line[..op.Length], op);

    /// <summary>True for an operation without arguments (trailing whitespace allowed).</summary>
    private static bool IsBareOp(ReadOnlySpan<byte> line, ReadOnlySpan<byte> op) =>
        line.Length >= op.Length && Ascii.EqualsIgnoreCase(line[..op.Length], op) && line[op.Length..].Trim(" \t"u8).IsEmpty;

    private static bool CouldStartOperation(ReadOnlySequence<byte> buffer)
    {
        var first = buffer.FirstSpan.IsEmpty ? buffer.Slice(0, 1).ToArray()[0] : buffer.FirstSpan[0];
        return first is (byte)'M' or (byte)'m' or (byte)'H' or (byte)'h' or (byte)'P' or (byte)'p' or (byte)'+' or (byte)'-' or (byte)'I' or (byte)'i';
    }

    private static ReadOnlySpan<byte> Unquote(ReadOnlySpan<byte> text) =>
        text is [(byte)'\'', .. var inner, (byte)'\''] ? inner : text;

    private static byte[] Prefix(ReadOnlySequence<byte> buffer) => buffer.Slice(0, Math.Min(buffer.Length, MaxShownLine + 1)).ToArray();

    private static NatsProtocolException Malformed(string what, ReadOnlySpan<byte> line) =>
        new($"The server sent {what}: \"{Show(line)}\". The connection is closed and made again.");

    private ReadOnlySpan<byte> CopyLine(ReadOnlySequence<byte> line)
    {
        if (_line.Length < line.Length)
        {
            _line = new byte[Math.Max((int)line.Length, _line.Length * 2)];
        }

        line.CopyTo(_line);
        return _line.AsSpan(0, (int)line.Length);
    }
}
