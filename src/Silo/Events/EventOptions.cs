namespace Perms.Silo.Events;

/// <summary>The change-event subscription (configuration section <c>Perms:Events</c>; docs/events.md).</summary>
public sealed class EventOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Perms:Events";

    /// <summary>
    /// Subscribe to change events. Default true. Off, cached state is bounded only by the grains' maximum staleness
    /// (logged as a warning at start-up).
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>NATS servers, comma-separated <c>nats://host:port</c> or <c>tls://host:port</c>. Default <c>nats://127.0.0.1:4222</c>.</summary>
    public string Url { get; set; } = "nats://127.0.0.1:4222";

    /// <summary>Put in front of every subject of the contract, e.g. <c>myapp.</c> (must end with a dot). Default none.</summary>
    public string SubjectPrefix { get; set; } = "";

    /// <summary>Token authentication. Prefer <see cref="TokenFile"/> (a mounted Secret).</summary>
    public string? Token { get; set; }

    /// <summary>A file holding the token (trailing whitespace ignored).</summary>
    public string? TokenFile { get; set; }

    /// <summary>User for user/password authentication.</summary>
    public string? User { get; set; }

    /// <summary>Password for user/password authentication. Prefer <see cref="PasswordFile"/>.</summary>
    public string? Password { get; set; }

    /// <summary>A file holding the password (trailing whitespace ignored).</summary>
    public string? PasswordFile { get; set; }

    /// <summary>Require TLS even for <c>nats://</c> URLs. Default false (the server's INFO can still require it).</summary>
    public bool TlsRequired { get; set; }

    /// <summary>PEM CA bundle that validates the server's certificate. Default: the system's trust store.</summary>
    public string? TlsCaFile { get; set; }

    /// <summary>PEM client certificate for mutual TLS (with <see cref="TlsKeyFile"/>).</summary>
    public string? TlsCertFile { get; set; }

    /// <summary>PEM private key of <see cref="TlsCertFile"/>.</summary>
    public string? TlsKeyFile { get; set; }

    /// <summary>How often the connection is checked with PING. Default 2 s; two unanswered PINGs mean it is dead.</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait between reconnection attempts (exponential back-off with jitter up to it). Default 2 s.</summary>
    public TimeSpan ReconnectWaitMax { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Messages queued per subscription between the socket and the handler; past it they are dropped and every grain is treated as stale. Default 65,536.</summary>
    public int QueueCapacity { get; set; } = 65_536;

    /// <summary>How long shutdown waits for queued events to be applied. Default 5 s.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><paramref name="urls"/> with any user information (a token or user:password) replaced by <c>***</c>, for logs and messages.</summary>
    public static string Redact(string urls) => string.Join(",", (urls ?? "").Split(',').Select(static url =>
        Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0
            ? new UriBuilder(uri) { UserName = "***", Password = "" }.Uri.ToString()
            : url));
}
