using System.Net;
using System.Net.Sockets;

namespace Perms.Gateway.Hosting;

/// <summary>
/// Before anything starts: is every port the process is about to listen on free? A taken port is one line naming the
/// key and the port (exit code 2), not a listener's stack trace after the health service already said SERVING.
/// </summary>
public static class PortCheck
{
    /// <summary>Writes one line per taken port to <paramref name="error"/>; false when any is taken.</summary>
    public static bool Check(IEnumerable<PortClaim> claims, TextWriter error, string process)
    {
        ArgumentNullException.ThrowIfNull(claims);
        ArgumentNullException.ThrowIfNull(error);
        var free = true;
        foreach (var claim in claims)
        {
            if (InUse(claim) is { } reason)
            {
                error.WriteLine($"{process}: {claim.Key} = {claim.Port}: the port is already in use on {claim.Address} ({reason})");
                free = false;
            }
        }

        return free;
    }

    /// <summary>The one-line message for a listener that lost the race for its port after the check.</summary>
    public static string Describe(IEnumerable<PortClaim> claims, string process, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var taken = claims.FirstOrDefault(c => InUse(c) is not null);
        return taken is null
            ? $"{process}: a port is already in use: {exception.Message}"
            : $"{process}: {taken.Key} = {taken.Port}: the port is already in use on {taken.Address}";
    }

    /// <summary>Whether <paramref name="exception"/> (or an inner one) is a listener's "address already in use".</summary>
    public static bool IsAddressInUse(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || e.GetType().Name == "AddressInUseException")
            {
                return true;
            }
        }

        return false;
    }

    private static string? InUse(PortClaim claim)
    {
        try
        {
            // ExclusiveAddressUse off, as Kestrel and Orleans bind (SO_REUSEADDR on Linux): a port in TIME_WAIT from a
            // process that just stopped is not "in use".
            using var socket = new Socket(claim.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(claim.Address, claim.Port));
            socket.Listen(1);
            return null;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return "another process listens there";
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AccessDenied)
        {
            return "permission denied";
        }
    }
}
