using System.Text;

namespace Perms.Grpc.Internal;

/// <summary>
/// The encoding of <c>grpc-message</c>: UTF-8, with every byte outside 0x20–0x7E and '%' itself written as <c>%XX</c>.
/// </summary>
internal static class GrpcPercentEncoding
{
    /// <summary>A status message longer than this (in UTF-16 units) is cut, so that the header stays well under clients' limits.</summary>
    public const int MaxMessageLength = 1024;

    private const string HexDigits = "0123456789ABCDEF";

    /// <summary>Encodes a status message; ASCII text without '%' is returned as it is, without allocating.</summary>
    public static string Encode(string value)
    {
        if (value.Length > MaxMessageLength)
        {
            var cut = char.IsHighSurrogate(value[MaxMessageLength - 1]) ? MaxMessageLength - 1 : MaxMessageLength;
            value = string.Concat(value.AsSpan(0, cut), "...");
        }

        var i = 0;
        while (i < value.Length && !NeedsEscape(value[i]))
        {
            i++;
        }

        if (i == value.Length)
        {
            return value;
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        var length = 0;
        foreach (var b in bytes)
        {
            length += NeedsEscape((char)b) ? 3 : 1;
        }

        return string.Create(length, bytes, static (destination, source) =>
        {
            var position = 0;
            foreach (var b in source)
            {
                if (NeedsEscape((char)b))
                {
                    destination[position++] = '%';
                    destination[position++] = HexDigits[b >> 4];
                    destination[position++] = HexDigits[b & 0xF];
                }
                else
                {
                    destination[position++] = (char)b;
                }
            }
        });
    }

    /// <summary>
    /// Decodes a status message. Lenient, as the specification asks: a '%' not followed by two hex digits stays as it is,
    /// and bytes that are not UTF-8 become U+FFFD.
    /// </summary>
    public static string Decode(string value)
    {
        if (!value.Contains('%', StringComparison.Ordinal))
        {
            return value;
        }

        var bytes = new List<byte>(value.Length);
        Span<byte> scratch = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '%' && i + 2 < value.Length && IsHex(value[i + 1]) && IsHex(value[i + 2]))
            {
                bytes.Add((byte)((HexValue(value[i + 1]) << 4) | HexValue(value[i + 2])));
                i += 2;
            }
            else if (c < 0x80)
            {
                bytes.Add((byte)c);
            }
            else
            {
                // Header values should be ASCII; a non-ASCII character is kept as its UTF-8 bytes.
                Rune.DecodeFromUtf16(value.AsSpan(i), out var rune, out var consumed);
                var written = rune.EncodeToUtf8(scratch);
                for (var k = 0; k < written; k++)
                {
                    bytes.Add(scratch[k]);
                }

                i += consumed - 1;
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool NeedsEscape(char c) => c is < (char)0x20 or > (char)0x7E or '%';

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
