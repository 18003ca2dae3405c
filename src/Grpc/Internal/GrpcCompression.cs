using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;

namespace Perms.Grpc.Internal;

/// <summary>Decompression of gzip messages (<c>grpc-encoding: gzip</c>), bounded by the receive limit.</summary>
internal static class GrpcCompression
{
    /// <summary>A 10-byte header, an empty final deflate block and the 8-byte CRC and size trailer.</summary>
    private const int MinimumGzipLength = 20;

    /// <summary>
    /// Decompresses one message into a buffer rented from <see cref="ArrayPool{T}.Shared"/>; the caller returns it.
    /// Stops reading as soon as the output passes <paramref name="maxSize"/>, so a small compressed message cannot
    /// expand past the limit in memory.
    /// </summary>
    /// <exception cref="GrpcStatusException">RESOURCE_EXHAUSTED past the limit; INTERNAL for data that is not gzip.</exception>
    public static byte[] Decompress(in ReadOnlySequence<byte> compressed, int maxSize, string what, out int length)
    {
        var input = ArrayPool<byte>.Shared.Rent((int)compressed.Length);
        byte[]? output = null;
        try
        {
            compressed.CopyTo(input);
            using var source = new MemoryStream(input, 0, (int)compressed.Length, writable: false);
            using var gzip = new GZipStream(source, CompressionMode.Decompress);
            var limit = (long)maxSize + 1;
            output = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit, Math.Max(4096L, compressed.Length * 4)));
            var total = 0;
            while (true)
            {
                if (total == output.Length)
                {
                    if (output.Length >= Array.MaxLength)
                    {
                        throw new GrpcStatusException(GrpcStatusCode.ResourceExhausted, $"{what} larger than an array can hold after decompression");
                    }

                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Min(limit, Array.MaxLength), (long)output.Length * 2));
                    output.AsSpan(0, total).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(output);
                    output = larger;
                }

                var read = gzip.Read(output, total, output.Length - total);
                if (read == 0)
                {
                    break;
                }

                total += read;
                if (total > maxSize)
                {
                    throw new GrpcStatusException(
                        GrpcStatusCode.ResourceExhausted,
                        $"{what} larger than max ({maxSize} bytes) after decompression");
                }
            }

            // .NET's GZipStream ends quietly on a stream cut short. zlib checks the CRC and size of a complete member,
            // so a size trailer that does not match what came out means the member was cut (or is not a single member,
            // which gRPC implementations never send).
            var inputLength = (int)compressed.Length;
            if (inputLength < MinimumGzipLength
                || BinaryPrimitives.ReadUInt32LittleEndian(input.AsSpan(inputLength - 4, 4)) != unchecked((uint)total))
            {
                throw new GrpcStatusException(GrpcStatusCode.Internal, $"{what} could not be decompressed: the gzip data is incomplete.");
            }

            length = total;
            var result = output;
            output = null;
            return result;
        }
        catch (InvalidDataException e)
        {
            throw new GrpcStatusException(GrpcStatusCode.Internal, $"{what} could not be decompressed: {e.Message}", null, e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
            if (output is not null)
            {
                ArrayPool<byte>.Shared.Return(output);
            }
        }
    }
}
