using System.Net;
using System.Net.Sockets;

namespace Perms.UnitTests.Nats;

/// <summary>A NATS server on loopback that the test drives by hand: it accepts each connection and speaks line by line.</summary>
public sealed class FakeNatsServer : IDisposable
{
    public const string DefaultInfo = """{"server_id":"FAKE","server_name":"fake","version":"2.9.10","proto":1,"headers":true,"max_payload":1048576}""";

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public FakeNatsServer()
    {
        _listener.Start();
        Url = new Uri($"nats://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
    }

    public Uri Url { get; }

    /// <summary>The JSON sent in INFO to each new connection.</summary>
    public string Info { get; set; } = DefaultInfo;

    /// <summary>Accepts the next connection and sends nothing.</summary>
    public async Task<FakeNatsPeer> AcceptSilentlyAsync(CancellationToken cancellationToken) =>
        new(await _listener.AcceptTcpClientAsync(cancellationToken));

    /// <summary>Accepts the next connection and sends INFO.</summary>
    public async Task<FakeNatsPeer> AcceptAsync(CancellationToken cancellationToken)
    {
        var client = await _listener.AcceptTcpClientAsync(cancellationToken);
        var peer = new FakeNatsPeer(client);
        await peer.SendAsync($"INFO {Info}\r\n", cancellationToken);
        return peer;
    }

    /// <summary>Accepts the next connection, reads CONNECT and the SUBs up to the PING, and answers PONG.</summary>
    public async Task<FakeNatsPeer> AcceptConnectedAsync(CancellationToken cancellationToken)
    {
        var peer = await AcceptAsync(cancellationToken);
        await peer.ReadHandshakeAsync(cancellationToken);
        await peer.SendAsync("PONG\r\n", cancellationToken);
        return peer;
    }

    public void Dispose() => _listener.Dispose();
}
