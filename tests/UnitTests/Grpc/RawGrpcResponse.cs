using Perms.Grpc;
using Perms.Grpc.Internal;

namespace Perms.UnitTests.Grpc;

/// <summary>An HTTP/2 response as it came: status, headers, body bytes and trailers.</summary>
public sealed record RawGrpcResponse(
    int HttpStatus,
    IReadOnlyDictionary<string, string> Headers,
    byte[] Body,
    IReadOnlyDictionary<string, string> Trailers)
{
    /// <summary>The status and nothing else in the response headers: no body, no trailers.</summary>
    public bool IsTrailersOnly => Headers.ContainsKey("grpc-status") && Body.Length == 0 && Trailers.Count == 0;

    /// <summary>grpc-status from the trailers, or from the headers of a Trailers-Only response.</summary>
    public GrpcStatusCode? Status =>
        Trailers.TryGetValue("grpc-status", out var s) || Headers.TryGetValue("grpc-status", out s) ? (GrpcStatusCode)int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>grpc-message as sent (percent-encoded).</summary>
    public string? RawMessage => Trailers.TryGetValue("grpc-message", out var m) || Headers.TryGetValue("grpc-message", out m) ? m : null;

    /// <summary>grpc-message decoded.</summary>
    public string? Message => RawMessage is { } raw ? GrpcPercentEncoding.Decode(raw) : null;
}
