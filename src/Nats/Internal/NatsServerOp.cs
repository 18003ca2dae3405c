namespace Perms.Nats.Internal;

/// <summary>The operations a server sends.</summary>
internal enum NatsServerOp
{
    /// <summary>INFO {json}.</summary>
    Info,

    /// <summary>MSG subject sid [reply-to] size.</summary>
    Msg,

    /// <summary>HMSG subject sid [reply-to] header-size total-size.</summary>
    HMsg,

    /// <summary>PING.</summary>
    Ping,

    /// <summary>PONG.</summary>
    Pong,

    /// <summary>+OK (only in verbose mode, which this client does not ask for).</summary>
    Ok,

    /// <summary>-ERR 'message'.</summary>
    Err,
}
