using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Perms.Cluster;

/// <summary>
/// The address of a silo's internal endpoint, <c>host:port</c>. Ordered ordinally by host, then by port, so every
/// process sorts a set of silos the same way.
/// </summary>
public sealed record SiloAddress : IComparable<SiloAddress>
{
    /// <summary>Creates an address; the host is a DNS name or an IP address, kept in lower case.</summary>
    /// <param name="host">A DNS name, an IPv4 address or an IPv6 address (without brackets).</param>
    /// <param name="port">The TCP port, 1 to 65535.</param>
    /// <exception cref="ArgumentException">The host is not a valid host name or the port is out of range.</exception>
    public SiloAddress(string host, int port)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (Uri.CheckHostName(host) == UriHostNameType.Unknown)
        {
            throw new ArgumentException($"'{host}' is not a valid host name or IP address.", nameof(host));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);

        // DNS names are case-insensitive: two spellings of one silo must be one silo and hash alike everywhere.
        Host = host.ToLowerInvariant();
        Port = port;

        // Computed once here so placement hashes a key against each silo without encoding the silo again. It derives
        // from Host and Port only, so the record's generated equality stays equality of (Host, Port).
        PlacementHash = XxHash64.Hash(Encoding.UTF8.GetBytes(ToString()));
    }

    /// <summary>The host: a lower-case DNS name or an IP address (IPv6 without brackets).</summary>
    public string Host { get; }

    /// <summary>The TCP port.</summary>
    public int Port { get; }

    /// <summary>XXH64 (seed 0) of the UTF-8 bytes of <see cref="ToString"/>: stable across processes and platforms.</summary>
    internal ulong PlacementHash { get; }

    /// <summary>Parses <c>host:port</c>, or <c>[ipv6]:port</c> for an IPv6 address.</summary>
    /// <exception cref="FormatException">The text is not a silo address; the message names the input.</exception>
    public static SiloAddress Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return TryParse(value, out var address, out var error)
            ? address
            : throw new FormatException($"'{value}' is not a silo address: {error} Expected host:port, e.g. silo-0.perms:7000 or [::1]:7000.");
    }

    /// <summary>Parses <c>host:port</c>, or <c>[ipv6]:port</c>; false when the text is not a silo address.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, [NotNullWhen(true)] out SiloAddress? address) =>
        TryParse(value, out address, out _);

    /// <inheritdoc/>
    public int CompareTo(SiloAddress? other)
    {
        if (other is null)
        {
            return 1;
        }

        var byHost = string.CompareOrdinal(Host, other.Host);
        return byHost != 0 ? byHost : Port.CompareTo(other.Port);
    }

    /// <summary><c>host:port</c>, with brackets around an IPv6 host.</summary>
    public override string ToString() =>
        Host.Contains(':', StringComparison.Ordinal)
            ? string.Create(CultureInfo.InvariantCulture, $"[{Host}]:{Port}")
            : string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}");

    private static bool TryParse(
        [NotNullWhen(true)] string? value,
        [NotNullWhen(true)] out SiloAddress? address,
        out string error)
    {
        address = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            error = "it is empty.";
            return false;
        }

        var colon = value.LastIndexOf(':');
        if (colon <= 0 || colon == value.Length - 1)
        {
            error = "it has no port.";
            return false;
        }

        var host = value[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        else if (host.Contains(':', StringComparison.Ordinal))
        {
            error = "an IPv6 host must be in brackets.";
            return false;
        }

        if (!int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) ||
            port is < 1 or > 65535)
        {
            error = "the port is not a number from 1 to 65535.";
            return false;
        }

        if (Uri.CheckHostName(host) == UriHostNameType.Unknown)
        {
            error = $"'{host}' is not a valid host name or IP address.";
            return false;
        }

        address = new SiloAddress(host, port);
        error = string.Empty;
        return true;
    }
}
