using System.Text.Json;

namespace Perms.Nats;

/// <summary>What the server said about itself in its last INFO.</summary>
public sealed record NatsServerInfo
{
    /// <summary>The NATS default of <see cref="MaxPayload"/> when the server does not say, 1 MiB.</summary>
    public const int DefaultMaxPayload = 1024 * 1024;

    /// <summary>The server's unique id (<c>server_id</c>).</summary>
    public string ServerId { get; init; } = "";

    /// <summary>The server's name (<c>server_name</c>); the id when it has none.</summary>
    public string? ServerName { get; init; }

    /// <summary>The server's version, e.g. <c>2.9.10</c>.</summary>
    public string Version { get; init; } = "";

    /// <summary>The host the server listens on.</summary>
    public string? Host { get; init; }

    /// <summary>The port the server listens on.</summary>
    public int Port { get; init; }

    /// <summary>The largest message (payload plus headers) the server accepts, in bytes (<c>max_payload</c>).</summary>
    public int MaxPayload { get; init; } = DefaultMaxPayload;

    /// <summary>The server supports headers (HPUB/HMSG).</summary>
    public bool Headers { get; init; }

    /// <summary>The protocol version (<c>proto</c>); 1 and up send INFO updates.</summary>
    public int ProtocolVersion { get; init; }

    /// <summary>The id the server gave this client.</summary>
    public ulong ClientId { get; init; }

    /// <summary>The server requires authentication.</summary>
    public bool AuthRequired { get; init; }

    /// <summary>The server requires TLS.</summary>
    public bool TlsRequired { get; init; }

    /// <summary>The server offers TLS without requiring it.</summary>
    public bool TlsAvailable { get; init; }

    /// <summary>The server requires a client certificate (<c>tls_verify</c>).</summary>
    public bool TlsVerify { get; init; }

    /// <summary>The challenge for nkey/JWT authentication; non-null when the server has nkey or JWT users.</summary>
    public string? Nonce { get; init; }

    /// <summary>The server is in lame duck mode (<c>ldm</c>): it is about to shut down.</summary>
    public bool LameDuckMode { get; init; }

    /// <summary>Other servers of the cluster clients may connect to (<c>connect_urls</c>, <c>host:port</c>).</summary>
    public IReadOnlyList<string> ConnectUrls { get; init; } = [];

    /// <summary>Parses the JSON of an INFO line.</summary>
    internal static NatsServerInfo Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("INFO is not a JSON object.");
        }

        var info = new NatsServerInfo();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            info = name switch
            {
                "server_id" => info with { ServerId = reader.GetString() ?? "" },
                "server_name" => info with { ServerName = reader.GetString() },
                "version" => info with { Version = reader.GetString() ?? "" },
                "host" => info with { Host = reader.GetString() },
                "port" => info with { Port = reader.GetInt32() },
                "max_payload" => info with { MaxPayload = ReadMaxPayload(ref reader) },
                "headers" => info with { Headers = reader.GetBoolean() },
                "proto" => info with { ProtocolVersion = reader.GetInt32() },
                "client_id" => info with { ClientId = reader.GetUInt64() },
                "auth_required" => info with { AuthRequired = reader.GetBoolean() },
                "tls_required" => info with { TlsRequired = reader.GetBoolean() },
                "tls_available" => info with { TlsAvailable = reader.GetBoolean() },
                "tls_verify" => info with { TlsVerify = reader.GetBoolean() },
                "nonce" => info with { Nonce = reader.GetString() },
                "ldm" => info with { LameDuckMode = reader.GetBoolean() },
                "connect_urls" => info with { ConnectUrls = ReadStrings(ref reader) },
                _ => Skip(ref reader, info),
            };
        }

        return info;
    }

    private static int ReadMaxPayload(ref Utf8JsonReader reader) =>
        reader.TryGetInt64(out var value) && value > 0 ? (int)Math.Min(value, int.MaxValue) : DefaultMaxPayload;

    private static string[] ReadStrings(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return [];
        }

        var values = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.String && reader.GetString() is { Length: > 0 } value)
            {
                values.Add(value);
            }
            else
            {
                reader.Skip();
            }
        }

        return [.. values];
    }

    private static NatsServerInfo Skip(ref Utf8JsonReader reader, NatsServerInfo info)
    {
        reader.Skip();
        return info;
    }
}
