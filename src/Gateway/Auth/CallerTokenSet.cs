using System.Security.Cryptography;
using System.Text;

namespace Perms.Gateway.Auth;

/// <summary>
/// The accepted caller tokens, kept only as SHA-256 digests. A presented token is hashed and compared with every
/// digest in constant time — all of them, always — so neither the comparison nor which entry matched leaks timing.
/// </summary>
public sealed class CallerTokenSet
{
    private readonly (string Service, byte[] Digest)[] _entries;

    private CallerTokenSet((string Service, byte[] Digest)[] entries) => _entries = entries;

    /// <summary>The calling services.</summary>
    public IEnumerable<string> Services => _entries.Select(e => e.Service);

    /// <summary>The service that owns <paramref name="token"/>, or null.</summary>
    public string? Authenticate(ReadOnlySpan<char> token)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        var bytes = Encoding.UTF8.GetMaxByteCount(token.Length) <= 1024 ? stackalloc byte[1024] : new byte[Encoding.UTF8.GetMaxByteCount(token.Length)];
        var length = Encoding.UTF8.GetBytes(token, bytes);
        SHA256.HashData(bytes[..length], digest);
        string? match = null;
        foreach (var (service, expected) in _entries)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, expected))
            {
                match ??= service;
            }
        }

        return match;
    }

    /// <summary>Whether a token of this set is also in <paramref name="other"/> (e.g. an admin token that is a caller token).</summary>
    internal bool SharesTokenWith(CallerTokenSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var shared = false;
        foreach (var (_, digest) in _entries)
        {
            foreach (var (_, otherDigest) in other._entries)
            {
                shared |= CryptographicOperations.FixedTimeEquals(digest, otherDigest);
            }
        }

        return shared;
    }

    /// <summary>Reads tokens from a directory (one file per service) or a file (<c>service token</c> lines).</summary>
    /// <exception cref="InvalidDataException">Nothing usable, a token too short, or a service named twice; the message names the file and line.</exception>
    public static CallerTokenSet Load(string path, int minimumLength)
    {
        var entries = new List<(string Service, string Token, string Where)>();
        if (Directory.Exists(path))
        {
            // Kubernetes mounts Secret keys as files next to hidden ..data links; skip dot-files.
            foreach (var file in Directory.EnumerateFiles(path).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal))
            {
                entries.Add((Path.GetFileName(file), File.ReadAllText(file).Trim(), file));
            }
        }
        else if (File.Exists(path))
        {
            var lineNumber = 0;
            foreach (var raw in File.ReadLines(path))
            {
                lineNumber++;
                var line = raw.Trim();
                if (line.Length == 0 || line.StartsWith('#'))
                {
                    continue;
                }

                var parts = line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length != 2)
                {
                    throw new InvalidDataException($"{path}, line {lineNumber}: expected \"service-name token\"");
                }

                entries.Add((parts[0], parts[1].Trim(), $"{path}, line {lineNumber}"));
            }
        }
        else
        {
            throw new InvalidDataException($"{path}: no such file or directory");
        }

        if (entries.Count == 0)
        {
            throw new InvalidDataException($"{path}: no tokens");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (service, token, where) in entries)
        {
            if (!seen.Add(service))
            {
                throw new InvalidDataException($"{where}: service \"{service}\" has a token already");
            }

            if (token.Length < minimumLength)
            {
                // Never echo the token itself.
                throw new InvalidDataException($"{where}: the token of \"{service}\" is {token.Length} characters; at least {minimumLength} are required");
            }
        }

        return new CallerTokenSet([.. entries.Select(e => (e.Service, SHA256.HashData(Encoding.UTF8.GetBytes(e.Token))))]);
    }
}
