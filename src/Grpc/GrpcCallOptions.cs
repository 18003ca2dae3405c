namespace Perms.Grpc;

/// <summary>Per-call options of <see cref="GrpcChannel"/>: metadata and a deadline.</summary>
public sealed class GrpcCallOptions
{
    /// <summary>No metadata, no deadline.</summary>
    public static GrpcCallOptions Default { get; } = new();

    /// <summary>
    /// Request metadata, sent as HTTP/2 headers (e.g. <c>authorization: Bearer ...</c>): lowercase names, printable ASCII
    /// values, base64 for names ending in <c>-bin</c>.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>>? Headers { get; init; }

    /// <summary>When the call must be over; sent as <c>grpc-timeout</c> and enforced locally. The earlier of this and <see cref="Timeout"/> counts.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>How long the call may take from when it starts; sent as <c>grpc-timeout</c> and enforced locally.</summary>
    public TimeSpan? Timeout { get; init; }
}
