using System.Buffers;

namespace Perms.Nats.Internal;

/// <summary>
/// One operation read by <see cref="NatsParser"/>. Its spans point into the read buffer or the parser's scratch line:
/// valid only until the next read.
/// </summary>
internal readonly ref struct NatsFrame
{
    public NatsServerOp Op { get; init; }

    /// <summary>MSG/HMSG: the subject.</summary>
    public ReadOnlySpan<byte> Subject { get; init; }

    /// <summary>MSG/HMSG: the reply subject; empty when none.</summary>
    public ReadOnlySpan<byte> ReplyTo { get; init; }

    /// <summary>MSG/HMSG: the subscription id.</summary>
    public long Sid { get; init; }

    /// <summary>HMSG: the header block (<c>NATS/1.0\r\n...\r\n\r\n</c>).</summary>
    public ReadOnlySequence<byte> Headers { get; init; }

    /// <summary>MSG/HMSG: the payload (after the headers).</summary>
    public ReadOnlySequence<byte> Payload { get; init; }

    /// <summary>MSG/HMSG: the size the server announced, headers included.</summary>
    public int TotalSize { get; init; }

    /// <summary>INFO: the JSON; -ERR: the message without quotes.</summary>
    public ReadOnlySpan<byte> Text { get; init; }
}
