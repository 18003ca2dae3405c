using System.Buffers;
using System.Collections;
using System.Text;

namespace Perms.Nats;

/// <summary>
/// The headers of a message: an ordered multi-map of names to values (names compare case-sensitively, as in the NATS
/// Go client), plus the optional status of the header line (<c>NATS/1.0 503 No Responders</c>).
/// </summary>
public sealed class NatsHeaders : IEnumerable<KeyValuePair<string, IReadOnlyList<string>>>
{
    private static readonly byte[] Version = "NATS/1.0"u8.ToArray();

    private readonly List<KeyValuePair<string, List<string>>> _entries = [];
    private int? _statusCode;
    private string? _statusDescription;

    /// <summary>The status code of the header line (e.g. 503), or null when it has none.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a three-digit code.</exception>
    public int? StatusCode
    {
        get => _statusCode;
        set
        {
            if (value is < 100 or > 999)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "A status code has three digits (100-999).");
            }

            _statusCode = value;
        }
    }

    /// <summary>The description after the status code (e.g. <c>No Responders</c>), or null. Sent only with a <see cref="StatusCode"/>.</summary>
    /// <exception cref="ArgumentException">The value holds CR or LF.</exception>
    public string? StatusDescription
    {
        get => _statusDescription;
        set
        {
            if (value is not null && value.AsSpan().IndexOfAny('\r', '\n') >= 0)
            {
                throw new ArgumentException("A status description cannot hold CR or LF.", nameof(value));
            }

            _statusDescription = value is { Length: 0 } ? null : value;
        }
    }

    /// <summary>How many distinct names there are.</summary>
    public int Count => _entries.Count;

    /// <summary>The names, in the order they were first added.</summary>
    public IEnumerable<string> Names => _entries.Select(e => e.Key);

    /// <summary>The values of <paramref name="name"/> in the order added; empty when there is none.</summary>
    /// <param name="name">The header name.</param>
    public IReadOnlyList<string> this[string name] => Find(name) is { } values ? values : [];

    /// <summary>Adds a value to <paramref name="name"/>, after any it already has.</summary>
    /// <param name="name">Printable ASCII without spaces or colons, e.g. <c>Nats-Msg-Id</c>.</param>
    /// <param name="value">Any text without CR or LF.</param>
    /// <exception cref="ArgumentException">The name or the value cannot be sent.</exception>
    public void Add(string name, string value)
    {
        ValidateName(name);
        ValidateValue(value);
        if (Find(name) is { } values)
        {
            values.Add(value);
        }
        else
        {
            _entries.Add(new(name, [value]));
        }
    }

    /// <summary>Makes <paramref name="value"/> the only value of <paramref name="name"/>.</summary>
    /// <param name="name">Printable ASCII without spaces or colons.</param>
    /// <param name="value">Any text without CR or LF.</param>
    /// <exception cref="ArgumentException">The name or the value cannot be sent.</exception>
    public void Set(string name, string value)
    {
        ValidateName(name);
        ValidateValue(value);
        if (Find(name) is { } values)
        {
            values.Clear();
            values.Add(value);
        }
        else
        {
            _entries.Add(new(name, [value]));
        }
    }

    /// <summary>Removes <paramref name="name"/> and all its values.</summary>
    /// <param name="name">The header name.</param>
    /// <returns>True if it was there.</returns>
    public bool Remove(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var index = _entries.FindIndex(e => string.Equals(e.Key, name, StringComparison.Ordinal));
        if (index < 0)
        {
            return false;
        }

        _entries.RemoveAt(index);
        return true;
    }

    /// <summary>Whether <paramref name="name"/> has a value.</summary>
    /// <param name="name">The header name.</param>
    /// <returns>True if it has at least one.</returns>
    public bool ContainsKey(string name) => Find(name) is not null;

    /// <summary>The values of <paramref name="name"/>, if it has any.</summary>
    /// <param name="name">The header name.</param>
    /// <param name="values">Its values in the order added; empty when it has none.</param>
    /// <returns>True if it has at least one.</returns>
    public bool TryGetValue(string name, out IReadOnlyList<string> values)
    {
        var found = Find(name);
        values = found is null ? [] : found;
        return found is not null;
    }

    /// <summary>The first value of <paramref name="name"/>, or null.</summary>
    /// <param name="name">The header name.</param>
    /// <returns>The first value, or null when it has none.</returns>
    public string? GetFirstValue(string name) => Find(name) is [var first, ..] ? first : null;

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, IReadOnlyList<string>>> GetEnumerator()
    {
        foreach (var (name, values) in _entries)
        {
            yield return new(name, values);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The header line and every header as sent, e.g. <c>NATS/1.0\r\nName: value\r\n\r\n</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Encoding.UTF8.GetString(Encode());

    /// <summary>How many bytes <see cref="Encode(Span{byte})"/> writes.</summary>
    internal int GetEncodedLength()
    {
        var length = Version.Length + 2 + 2;
        if (_statusCode is not null)
        {
            length += 4;
            if (_statusDescription is not null)
            {
                length += 1 + Encoding.UTF8.GetByteCount(_statusDescription);
            }
        }

        foreach (var (name, values) in _entries)
        {
            foreach (var value in values)
            {
                length += name.Length + 2 + Encoding.UTF8.GetByteCount(value) + 2;
            }
        }

        return length;
    }

    /// <summary>Writes the header block; <paramref name="destination"/> holds at least <see cref="GetEncodedLength"/> bytes.</summary>
    internal int Encode(Span<byte> destination)
    {
        Version.CopyTo(destination);
        var written = Version.Length;
        if (_statusCode is { } code)
        {
            destination[written++] = (byte)' ';
            destination[written++] = (byte)('0' + (code / 100));
            destination[written++] = (byte)('0' + (code / 10 % 10));
            destination[written++] = (byte)('0' + (code % 10));
            if (_statusDescription is not null)
            {
                destination[written++] = (byte)' ';
                written += Encoding.UTF8.GetBytes(_statusDescription, destination[written..]);
            }
        }

        WriteCrLf(destination, ref written);
        foreach (var (name, values) in _entries)
        {
            foreach (var value in values)
            {
                written += Encoding.ASCII.GetBytes(name, destination[written..]);
                destination[written++] = (byte)':';
                destination[written++] = (byte)' ';
                written += Encoding.UTF8.GetBytes(value, destination[written..]);
                WriteCrLf(destination, ref written);
            }
        }

        WriteCrLf(destination, ref written);
        return written;
    }

    /// <summary>
    /// Reads a received header block. Lenient, because another client wrote it: lines without a colon are skipped,
    /// a block without the <c>NATS/1.0</c> line is read as headers only.
    /// </summary>
    internal static NatsHeaders Parse(ReadOnlySequence<byte> block)
    {
        if (block.IsSingleSegment)
        {
            return Parse(block.FirstSpan);
        }

        var copy = ArrayPool<byte>.Shared.Rent((int)block.Length);
        try
        {
            block.CopyTo(copy);
            return Parse(copy.AsSpan(0, (int)block.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    /// <inheritdoc cref="Parse(ReadOnlySequence{byte})"/>
    internal static NatsHeaders Parse(ReadOnlySpan<byte> block)
    {
        var headers = new NatsHeaders();
        var first = true;
        while (!block.IsEmpty)
        {
            var end = block.IndexOf((byte)'\n');
            var line = end < 0 ? block : block[..end];
            block = end < 0 ? default : block[(end + 1)..];
            if (line is [.., (byte)'\r'])
            {
                line = line[..^1];
            }

            if (first && line.StartsWith("NATS/"u8))
            {
                headers.ReadStatus(line);
            }
            else if (line.IndexOf((byte)':') is > 0 and var colon)
            {
                var name = Encoding.UTF8.GetString(line[..colon].Trim(" \t"u8));
                var value = Encoding.UTF8.GetString(line[(colon + 1)..].Trim(" \t"u8));
                if (name.Length > 0)
                {
                    if (headers.Find(name) is { } values)
                    {
                        values.Add(value);
                    }
                    else
                    {
                        headers._entries.Add(new(name, [value]));
                    }
                }
            }

            first = false;
        }

        return headers;
    }

    private static void WriteCrLf(Span<byte> destination, ref int written)
    {
        destination[written++] = (byte)'\r';
        destination[written++] = (byte)'\n';
    }

    private static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        foreach (var c in name)
        {
            if (c is <= ' ' or > '~' or ':')
            {
                throw new ArgumentException($"The header name '{name}' holds '{c}'; names are printable ASCII without spaces or colons.", nameof(name));
            }
        }
    }

    private static void ValidateValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new ArgumentException("A header value cannot hold CR or LF.", nameof(value));
        }
    }

    private void ReadStatus(ReadOnlySpan<byte> line)
    {
        var rest = line[Math.Min(line.Length, Version.Length)..].TrimStart(" \t"u8);
        if (rest.Length >= 3 && rest[0] is >= (byte)'1' and <= (byte)'9' && rest[1] is >= (byte)'0' and <= (byte)'9' && rest[2] is >= (byte)'0' and <= (byte)'9')
        {
            _statusCode = ((rest[0] - '0') * 100) + ((rest[1] - '0') * 10) + (rest[2] - '0');
            var description = rest[3..].Trim(" \t"u8);
            _statusDescription = description.IsEmpty ? null : Encoding.UTF8.GetString(description);
        }
    }

    private List<string>? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var (key, values) in _entries)
        {
            if (string.Equals(key, name, StringComparison.Ordinal))
            {
                return values;
            }
        }

        return null;
    }

    private byte[] Encode()
    {
        var bytes = new byte[GetEncodedLength()];
        Encode(bytes);
        return bytes;
    }
}
