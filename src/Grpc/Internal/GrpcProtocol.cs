using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Protobuf;

namespace Perms.Grpc.Internal;

/// <summary>Names and framing of gRPC over HTTP/2 (<c>doc/PROTOCOL-HTTP2.md</c> of the gRPC repository).</summary>
internal static class GrpcProtocol
{
    /// <summary>The content-type of requests and responses.</summary>
    public const string ContentType = "application/grpc";

    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";

    /// <summary>What this layer decodes: identity and gzip (it never compresses what it sends).</summary>
    public const string AcceptEncodingValue = "identity,gzip";

    public const string IdentityEncoding = "identity";
    public const string GzipEncoding = "gzip";

    /// <summary>The length prefix of a message: a compressed flag byte and a big-endian 32-bit length.</summary>
    public const int FrameHeaderSize = 5;

    private static readonly string[] StatusStrings =
        ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16"];

    /// <summary>The <c>grpc-status</c> value of a code, without allocating for the 17 standard codes.</summary>
    public static string StatusString(GrpcStatusCode code) =>
        (uint)code < (uint)StatusStrings.Length ? StatusStrings[(int)code] : ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Parses <c>grpc-status</c>: a decimal number. A number outside the 17 standard codes is UNKNOWN (as the gRPC
    /// clients do); anything else is not a status.
    /// </summary>
    public static bool TryParseStatus(string? value, out GrpcStatusCode code)
    {
        code = GrpcStatusCode.Unknown;
        if (string.IsNullOrEmpty(value) || value.Length > 10)
        {
            return false;
        }

        long number = 0;
        foreach (var c in value)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            number = (number * 10) + (c - '0');
        }

        code = number <= (long)GrpcStatusCode.Unauthenticated ? (GrpcStatusCode)number : GrpcStatusCode.Unknown;
        return true;
    }

    /// <summary>
    /// True for <c>application/grpc</c> and <c>application/grpc+subtype</c>, with or without parameters; false for
    /// gRPC-Web (<c>application/grpc-web</c>) and everything else.
    /// </summary>
    public static bool IsGrpcContentType(string? contentType) => SubtypeOf(contentType, out _);

    /// <summary>True for the content-types whose messages are protobuf: <c>application/grpc</c> and <c>application/grpc+proto</c>.</summary>
    public static bool IsProtoContentType(string? contentType) =>
        SubtypeOf(contentType, out var subtype) && (subtype.IsEmpty || subtype.Equals("proto", StringComparison.OrdinalIgnoreCase));

    /// <summary>Writes a message as one length-prefixed frame straight into <paramref name="writer"/>.</summary>
    /// <param name="writer">The response body.</param>
    /// <param name="message">The message.</param>
    /// <param name="size">Its <see cref="IMessage.CalculateSize"/>, computed once by the caller to check the size limit.</param>
    public static void WriteMessage(PipeWriter writer, IMessage message, int size)
    {
        var frameSize = FrameHeaderSize + size;
        var span = writer.GetSpan(frameSize);
        span[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(span.Slice(1), (uint)size);
        message.WriteTo(span.Slice(FrameHeaderSize, size));
        writer.Advance(frameSize);
    }

    private static bool SubtypeOf(string? contentType, out ReadOnlySpan<char> subtype)
    {
        subtype = default;
        if (contentType is null || !contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = contentType.AsSpan(ContentType.Length);
        if (rest.IsEmpty || rest[0] == ';')
        {
            return true;
        }

        if (rest[0] != '+')
        {
            return false;
        }

        rest = rest.Slice(1);
        var semicolon = rest.IndexOf(';');
        subtype = (semicolon >= 0 ? rest.Slice(0, semicolon) : rest).Trim();
        return !subtype.IsEmpty;
    }
}
