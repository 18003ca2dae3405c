namespace Perms.Nats.Internal;

/// <summary>What CONNECT authenticates with: from the options, else from the server address's user info.</summary>
internal sealed record NatsConnectCredentials(string? Token, string? User, string? Password)
{
    public static NatsConnectCredentials For(NatsOptions options, Uri server)
    {
        if (options.Token is not null || options.User is not null)
        {
            return new(options.Token, options.User, options.Password);
        }

        if (server.UserInfo is not { Length: > 0 } userInfo)
        {
            return new(null, null, null);
        }

        var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
        return colon < 0
            ? new(Uri.UnescapeDataString(userInfo), null, null)
            : new(null, Uri.UnescapeDataString(userInfo[..colon]), Uri.UnescapeDataString(userInfo[(colon + 1)..]));
    }

    public bool IsEmpty => Token is null && User is null;
}
