namespace Perms.Nats;

/// <summary>A message received on a subscription.</summary>
/// <param name="subject">The subject it was published to.</param>
/// <param name="replyTo">The subject to reply to, if the publisher gave one.</param>
/// <param name="data">The payload.</param>
/// <param name="headers">The headers (HMSG), or null for a message without.</param>
public sealed class NatsMsg(string subject, string? replyTo, ReadOnlyMemory<byte> data, NatsHeaders? headers)
{
    /// <summary>The subject it was published to (concrete even when the subscription has wildcards).</summary>
    public string Subject { get; } = subject;

    /// <summary>The subject to reply to, if the publisher gave one.</summary>
    public string? ReplyTo { get; } = replyTo;

    /// <summary>The payload; the message owns it.</summary>
    public ReadOnlyMemory<byte> Data { get; } = data;

    /// <summary>The headers (HMSG), or null for a message without.</summary>
    public NatsHeaders? Headers { get; } = headers;
}
