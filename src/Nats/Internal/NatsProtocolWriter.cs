using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace Perms.Nats.Internal;

/// <summary>Formats client operations into a buffer, without allocating.</summary>
internal static class NatsProtocolWriter
{
    /// <summary>The <c>lang</c> this client announces in CONNECT.</summary>
    public const string Lang = "csharp-perms";

    /// <summary>The <c>version</c> this client announces in CONNECT.</summary>
    public const string ClientVersion = "1.0.0";

    private const int MaxNumberLength = 20;

    public static ReadOnlySpan<byte> Ping => "PING\r\n"u8;

    public static ReadOnlySpan<byte> Pong => "PONG\r\n"u8;

    /// <summary>The CONNECT line: never verbose or pedantic, headers on, no_responders off.</summary>
    public static void WriteConnect(IBufferWriter<byte> writer, NatsConnectCredentials credentials, string name, bool tls)
    {
        writer.Write("CONNECT "u8);
        using (var json = new Utf8JsonWriter(writer))
        {
            json.WriteStartObject();
            json.WriteBoolean("verbose", false);
            json.WriteBoolean("pedantic", false);
            json.WriteBoolean("tls_required", tls);
            json.WriteString("name", name);
            json.WriteString("lang", Lang);
            json.WriteString("version", ClientVersion);
            json.WriteNumber("protocol", 1);
            json.WriteBoolean("echo", true);
            json.WriteBoolean("headers", true);
            json.WriteBoolean("no_responders", false);
            if (credentials.Token is not null)
            {
                json.WriteString("auth_token", credentials.Token);
            }

            if (credentials.User is not null)
            {
                json.WriteString("user", credentials.User);
                json.WriteString("pass", credentials.Password ?? "");
            }

            json.WriteEndObject();
        }

        writer.Write("\r\n"u8);
    }

    /// <summary>PUB, or HPUB when <paramref name="headers"/> is not null.</summary>
    /// <returns>The size the server counts against max_payload (headers included).</returns>
    public static int WritePublish(IBufferWriter<byte> writer, string subject, string? replyTo, NatsHeaders? headers, int headerSize, ReadOnlySpan<byte> payload)
    {
        var total = headerSize + payload.Length;
        var lineLength = 5 + Encoding.UTF8.GetMaxByteCount(subject.Length) + 1
            + (replyTo is null ? 0 : Encoding.UTF8.GetMaxByteCount(replyTo.Length) + 1)
            + ((MaxNumberLength + 1) * 2) + 2;
        var span = writer.GetSpan(lineLength + total + 2);
        var written = 0;
        Append(span, ref written, headers is null ? "PUB "u8 : "HPUB "u8);
        written += Encoding.UTF8.GetBytes(subject, span[written..]);
        span[written++] = (byte)' ';
        if (replyTo is not null)
        {
            written += Encoding.UTF8.GetBytes(replyTo, span[written..]);
            span[written++] = (byte)' ';
        }

        if (headers is not null)
        {
            AppendNumber(span, ref written, headerSize);
            span[written++] = (byte)' ';
        }

        AppendNumber(span, ref written, total);
        Append(span, ref written, "\r\n"u8);
        if (headers is not null)
        {
            written += headers.Encode(span[written..]);
        }

        Append(span, ref written, payload);
        Append(span, ref written, "\r\n"u8);
        writer.Advance(written);
        return total;
    }

    /// <summary>SUB subject [queue] sid.</summary>
    public static void WriteSubscribe(IBufferWriter<byte> writer, string subject, string? queueGroup, long sid)
    {
        var span = writer.GetSpan(4 + Encoding.UTF8.GetMaxByteCount(subject.Length) + 1
            + (queueGroup is null ? 0 : Encoding.UTF8.GetMaxByteCount(queueGroup.Length) + 1) + MaxNumberLength + 2);
        var written = 0;
        Append(span, ref written, "SUB "u8);
        written += Encoding.UTF8.GetBytes(subject, span[written..]);
        span[written++] = (byte)' ';
        if (queueGroup is not null)
        {
            written += Encoding.UTF8.GetBytes(queueGroup, span[written..]);
            span[written++] = (byte)' ';
        }

        AppendNumber(span, ref written, sid);
        Append(span, ref written, "\r\n"u8);
        writer.Advance(written);
    }

    /// <summary>UNSUB sid.</summary>
    public static void WriteUnsubscribe(IBufferWriter<byte> writer, long sid)
    {
        var span = writer.GetSpan(6 + MaxNumberLength + 2);
        var written = 0;
        Append(span, ref written, "UNSUB "u8);
        AppendNumber(span, ref written, sid);
        Append(span, ref written, "\r\n"u8);
        writer.Advance(written);
    }

    private static void Append(Span<byte> span, ref int written, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(span[written..]);
        written += bytes.Length;
    }

    private static void AppendNumber(Span<byte> span, ref int written, long value)
    {
        Utf8Formatter.TryFormat(value, span[written..], out var length);
        written += length;
    }
}
