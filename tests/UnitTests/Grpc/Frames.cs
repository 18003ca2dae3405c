using System.Buffers.Binary;
using System.IO.Compression;
using Google.Protobuf;

namespace Perms.UnitTests.Grpc;

/// <summary>Builds gRPC request bodies byte by byte.</summary>
public static class Frames
{
    /// <summary>One length-prefixed frame around <paramref name="payload"/>.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> payload, byte flag = 0) => [.. Header(flag, (uint)payload.Length), .. payload];

    /// <summary>One uncompressed frame of a message.</summary>
    public static byte[] Of(IMessage message) => Frame(message.ToByteArray());

    /// <summary>A 5-byte frame header.</summary>
    public static byte[] Header(byte flag, uint length)
    {
        var header = new byte[5];
        header[0] = flag;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), length);
        return header;
    }

    public static byte[] Gzip(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }
}
