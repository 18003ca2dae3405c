namespace Perms.Nats;

/// <summary>Options of a <see cref="NatsConnection"/>. The connection copies them when it is created.</summary>
public sealed class NatsOptions
{
    /// <summary>
    /// The servers, <c>nats://host[:port]</c> or <c>tls://host[:port]</c> (port 4222 when omitted); with several, each
    /// connection attempt takes the next one in turn. Credentials in the address (<c>nats://user:password@host</c> or
    /// <c>nats://token@host</c>) are used when <see cref="Token"/> and <see cref="User"/> are not set.
    /// Default <c>nats://127.0.0.1:4222</c>.
    /// </summary>
    public IList<Uri> Servers { get; set; } = [new("nats://127.0.0.1:4222")];

    /// <summary>The connection's name in CONNECT, shown by the server's monitoring. Default <c>perms</c>.</summary>
    public string Name { get; set; } = "perms";

    /// <summary>The token for token authentication (<c>auth_token</c>); null for none. Default null.</summary>
    public string? Token { get; set; }

    /// <summary>The user for user/password authentication; set together with <see cref="Password"/>. Default null.</summary>
    public string? User { get; set; }

    /// <summary>The password of <see cref="User"/>. Default null.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// Requires TLS: the connection fails unless the server offers it. Also implied by a <c>tls://</c> address; a server
    /// whose INFO says <c>tls_required</c> gets TLS either way. Default false.
    /// </summary>
    public bool TlsRequired { get; set; }

    /// <summary>A PEM bundle of the certificate authorities that may sign the server's certificate; null for the system's trust store. Default null.</summary>
    public string? TlsCaFile { get; set; }

    /// <summary>A PEM client certificate for mutual TLS, with <see cref="TlsKeyFile"/>. Default null.</summary>
    public string? TlsCertFile { get; set; }

    /// <summary>The PEM private key of <see cref="TlsCertFile"/>. Default null.</summary>
    public string? TlsKeyFile { get; set; }

    /// <summary>How long one connection attempt may take, from the TCP connect to the server's PONG after CONNECT. Default 2 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the client PINGs the server to check the connection. Default 2 seconds.</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// This many PINGs unanswered (with nothing else received meanwhile) make the connection dead, and the client
    /// reconnects. Default 2.
    /// </summary>
    public int MaxPingsOutstanding { get; set; } = 2;

    /// <summary>The shortest wait before a reconnect attempt. Default 50 ms.</summary>
    public TimeSpan ReconnectWaitMin { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// The longest wait before a reconnect attempt. Each failed attempt doubles the ceiling (from
    /// <see cref="ReconnectWaitMin"/> up to this); the wait is drawn at random below it (full jitter). Default 2 seconds.
    /// </summary>
    public TimeSpan ReconnectWaitMax { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How many received messages may wait for each subscription's handler; more are dropped and counted
    /// (<see cref="NatsSubscription.Dropped"/>, <see cref="NatsConnection.SlowConsumer"/>). Default 65,536.
    /// </summary>
    public int SubscriptionCapacity { get; set; } = 65_536;

    internal NatsOptions Clone() => new()
    {
        Servers = [.. Servers],
        Name = Name,
        Token = Token,
        User = User,
        Password = Password,
        TlsRequired = TlsRequired,
        TlsCaFile = TlsCaFile,
        TlsCertFile = TlsCertFile,
        TlsKeyFile = TlsKeyFile,
        ConnectTimeout = ConnectTimeout,
        PingInterval = PingInterval,
        MaxPingsOutstanding = MaxPingsOutstanding,
        ReconnectWaitMin = ReconnectWaitMin,
        ReconnectWaitMax = ReconnectWaitMax,
        SubscriptionCapacity = SubscriptionCapacity,
    };
}
