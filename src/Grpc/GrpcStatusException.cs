namespace Perms.Grpc;

/// <summary>
/// A gRPC call ended with a status other than <see cref="GrpcStatusCode.OK"/>. Thrown by a server handler to answer with
/// that status; thrown by <see cref="GrpcChannel"/> when the server (or the client's own deadline) ended the call so.
/// </summary>
public sealed class GrpcStatusException : Exception
{
    private static readonly IReadOnlyList<KeyValuePair<string, string>> NoTrailers = [];

    /// <summary>Creates the exception with a status code and a human-readable detail (sent as <c>grpc-message</c>).</summary>
    /// <param name="code">The status; <see cref="GrpcStatusCode.OK"/> is not an error and is refused.</param>
    /// <param name="detail">What went wrong, for a developer; sent percent-encoded, any Unicode text is fine.</param>
    /// <param name="trailers">
    /// Extra metadata: on the server, sent as trailers with the status (lowercase names; <c>-bin</c> names carry base64);
    /// on the client, the trailers the server sent other than <c>grpc-status</c> and <c>grpc-message</c>.
    /// </param>
    public GrpcStatusException(GrpcStatusCode code, string detail, IReadOnlyList<KeyValuePair<string, string>>? trailers = null)
        : this(code, detail, trailers, null)
    {
    }

    /// <summary>Creates the exception with a status, a detail, trailers and the exception that caused it.</summary>
    /// <param name="code">The status; <see cref="GrpcStatusCode.OK"/> is not an error and is refused.</param>
    /// <param name="detail">What went wrong, for a developer.</param>
    /// <param name="trailers">Extra metadata sent or received with the status.</param>
    /// <param name="innerException">The cause, kept for the local log; never sent to the peer.</param>
    public GrpcStatusException(GrpcStatusCode code, string detail, IReadOnlyList<KeyValuePair<string, string>>? trailers, Exception? innerException)
        : base(FormatMessage(code, detail), innerException)
    {
        ArgumentNullException.ThrowIfNull(detail);
        if (code == GrpcStatusCode.OK || (uint)code > (uint)GrpcStatusCode.Unauthenticated)
        {
            throw new ArgumentOutOfRangeException(nameof(code), code, "A GrpcStatusException carries an error status: Cancelled (1) to Unauthenticated (16).");
        }

        Code = code;
        Detail = detail;
        Trailers = trailers ?? NoTrailers;
    }

    /// <summary>The status code.</summary>
    public GrpcStatusCode Code { get; }

    /// <summary>The status message (<c>grpc-message</c>, decoded).</summary>
    public string Detail { get; }

    /// <summary>Metadata sent or received with the status, other than <c>grpc-status</c> and <c>grpc-message</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Trailers { get; }

    private static string FormatMessage(GrpcStatusCode code, string? detail) => $"Status(StatusCode=\"{code}\", Detail=\"{detail}\")";
}
