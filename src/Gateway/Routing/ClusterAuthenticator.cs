using System.Security.Cryptography;
using System.Text;

namespace Perms.Gateway.Routing;

/// <summary>
/// The shared secret of the silos' internal API: what a router sends, and what a silo checks in constant time.
/// </summary>
public sealed class ClusterAuthenticator
{
    private const string Scheme = "Bearer ";
    private readonly byte[] _token;

    /// <summary>Creates the authenticator of <paramref name="token"/>.</summary>
    public ClusterAuthenticator(string token)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        _token = Encoding.UTF8.GetBytes(token);
        Authorization = [new("authorization", Scheme + token)];
    }

    /// <summary>The request metadata a router sends with every internal call.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Authorization { get; }

    /// <summary>Whether <paramref name="authorization"/> (the header's value) carries the cluster's secret.</summary>
    public bool IsValid(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var presented = authorization.AsSpan(Scheme.Length).Trim();
        Span<byte> buffer = stackalloc byte[256];
        if (Encoding.UTF8.GetMaxByteCount(presented.Length) > buffer.Length)
        {
            buffer = new byte[Encoding.UTF8.GetMaxByteCount(presented.Length)];
        }

        var length = Encoding.UTF8.GetBytes(presented, buffer);
        return CryptographicOperations.FixedTimeEquals(buffer[..length], _token);
    }
}
