using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Protobuf;

namespace Perms.Grpc.Internal;

/// <summary>Reads the single request message of a unary or server-streaming call from the request body's pipe.</summary>
/// <remarks>
/// Framing errors (no message, a frame cut short, a second message, a compressed flag other than 0 or 1, a compressed
/// message without a usable <c>grpc-encoding</c>) are INTERNAL, as in grpc-go, grpc-java and grpc-dotnet; a complete
/// frame whose bytes are not the request message is INVALID_ARGUMENT, the client's own bad input.
/// </remarks>
internal static class GrpcRequestReader
{
    // A frame up to this size waits in the pipe and is parsed in place. A larger one is copied out as it arrives:
    // Kestrel grants HTTP/2 flow-control credit only for consumed bytes, and a stream window can be as small as 65,535.
    private const int MaxHeldFrame = 16 * 1024;

    public static async ValueTask<T> ReadSingleMessageAsync<T>(GrpcCallContext context, MessageParser<T> parser, int maxReceiveSize)
        where T : IMessage<T>
    {
        var reader = context.HttpContext.Request.BodyReader;
        var token = context.CancellationToken;

        ReadResult result;
        ReadOnlySequence<byte> buffer;
        while (true)
        {
            result = await reader.ReadAsync(token).ConfigureAwait(false);
            buffer = result.Buffer;
            if (buffer.Length >= GrpcProtocol.FrameHeaderSize)
            {
                break;
            }

            if (result.IsCompleted)
            {
                throw buffer.IsEmpty
                    ? new GrpcStatusException(GrpcStatusCode.Internal, "Request did not include a message.")
                    : Incomplete();
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }

        var (compressed, length) = ReadFrameHeader(buffer);
        if (length > (uint)maxReceiveSize)
        {
            throw new GrpcStatusException(
                GrpcStatusCode.ResourceExhausted,
                $"Received message larger than max ({length} vs. {maxReceiveSize})");
        }

        if (compressed)
        {
            CheckEncoding(context);
        }

        T message;
        var frameLength = GrpcProtocol.FrameHeaderSize + (int)length;
        if (frameLength <= MaxHeldFrame)
        {
            while (buffer.Length < frameLength)
            {
                if (result.IsCompleted)
                {
                    throw Incomplete();
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                result = await reader.ReadAsync(token).ConfigureAwait(false);
                buffer = result.Buffer;
            }

            message = Decode(parser, buffer.Slice(GrpcProtocol.FrameHeaderSize, length), compressed, maxReceiveSize);
            reader.AdvanceTo(buffer.GetPosition(frameLength));
        }
        else
        {
            var copy = ArrayPool<byte>.Shared.Rent((int)length);
            try
            {
                var copied = 0;
                var payload = buffer.Slice(GrpcProtocol.FrameHeaderSize);
                while (true)
                {
                    var take = (int)Math.Min(payload.Length, length - copied);
                    payload.Slice(0, take).CopyTo(copy.AsSpan(copied));
                    copied += take;
                    reader.AdvanceTo(payload.GetPosition(take));
                    if (copied == length)
                    {
                        break;
                    }

                    if (result.IsCompleted)
                    {
                        throw Incomplete();
                    }

                    result = await reader.ReadAsync(token).ConfigureAwait(false);
                    payload = result.Buffer;
                }

                message = Decode(parser, new ReadOnlySequence<byte>(copy, 0, (int)length), compressed, maxReceiveSize);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(copy);
            }
        }

        // A unary request ends after its one message; the client half-closes with END_STREAM.
        while (true)
        {
            if (result.IsCompleted && result.Buffer.Length == 0)
            {
                return message;
            }

            result = await reader.ReadAsync(token).ConfigureAwait(false);
            if (!result.Buffer.IsEmpty)
            {
                reader.AdvanceTo(result.Buffer.End);
                throw new GrpcStatusException(GrpcStatusCode.Internal, "Additional data after the message received.");
            }

            reader.AdvanceTo(result.Buffer.End);
        }
    }

    private static (bool Compressed, uint Length) ReadFrameHeader(in ReadOnlySequence<byte> buffer)
    {
        Span<byte> header = stackalloc byte[GrpcProtocol.FrameHeaderSize];
        buffer.Slice(0, GrpcProtocol.FrameHeaderSize).CopyTo(header);
        if (header[0] > 1)
        {
            throw new GrpcStatusException(GrpcStatusCode.Internal, $"Invalid compressed flag {header[0]} in the message's frame header; it is 0 or 1.");
        }

        return (header[0] == 1, BinaryPrimitives.ReadUInt32BigEndian(header.Slice(1)));
    }

    private static void CheckEncoding(GrpcCallContext context)
    {
        var encoding = context.HttpContext.Request.Headers[GrpcProtocol.EncodingHeader];
        if (encoding.Count == 0 || string.Equals(encoding[0], GrpcProtocol.IdentityEncoding, StringComparison.Ordinal))
        {
            throw new GrpcStatusException(GrpcStatusCode.Internal, "Request sent a compressed message without a grpc-encoding that compresses.");
        }

        if (encoding.Count != 1 || !string.Equals(encoding[0], GrpcProtocol.GzipEncoding, StringComparison.Ordinal))
        {
            throw new GrpcStatusException(
                GrpcStatusCode.Unimplemented,
                $"Unsupported grpc-encoding value '{encoding}'. Supported encodings: {GrpcProtocol.AcceptEncodingValue}");
        }
    }

    private static T Decode<T>(MessageParser<T> parser, in ReadOnlySequence<byte> payload, bool compressed, int maxReceiveSize)
        where T : IMessage<T>
    {
        if (!compressed)
        {
            return Parse(parser, payload);
        }

        var plain = GrpcCompression.Decompress(payload, maxReceiveSize, "Received message", out var plainLength);
        try
        {
            return Parse(parser, new ReadOnlySequence<byte>(plain, 0, plainLength));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(plain);
        }
    }

    private static T Parse<T>(MessageParser<T> parser, in ReadOnlySequence<byte> payload)
        where T : IMessage<T>
    {
        try
        {
            // Parses in place; bytes fields are copied out, so the buffer can be released afterwards.
            return parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new GrpcStatusException(GrpcStatusCode.InvalidArgument, "request message could not be parsed: " + e.Message, null, e);
        }
    }

    private static GrpcStatusException Incomplete() =>
        new(GrpcStatusCode.Internal, "Incomplete message: the request ended inside a message frame.");
}
