using System.Security.Cryptography;
using System.Text;

namespace Perms.Gateway.Routing;

/// <summary>
/// The shared secrets of the silos' internal API: what a router sends (the first), and what a silo accepts (any of
/// them, compared in constant time) — two at once let a secret rotate without refused calls.
/// </summary>
public sealed class ClusterAuthenticator
{
    private const string Scheme = "Bearer ";
    private readonly byte[][] _tokens;

    /// <summary>Creates the authenticator of <paramref name="tokens"/>; the first is sent.</summary>
    public ClusterAuthenticator(IReadOnlyList<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Count == 0 || tokens.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("At least one non-blank cluster token is needed.", nameof(tokens));
        }

        _tokens = [.. tokens.Select(Encoding.UTF8.GetBytes)];
        Authorization = [new("authorization", Scheme + tokens[0])];
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
        var valid = false;
        foreach (var token in _tokens)
        {
            // Every token is compared, so the time taken does not say which one (if any) matched.
            valid |= CryptographicOperations.FixedTimeEquals(buffer[..length], token);
        }

        return valid;
    }
}
