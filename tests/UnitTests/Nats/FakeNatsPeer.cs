using System.Net.Sockets;
using System.Text;

namespace Perms.UnitTests.Nats;

/// <summary>The server's side of one client connection of <see cref="FakeNatsServer"/>.</summary>
public sealed class FakeNatsPeer : IDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public FakeNatsPeer(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    /// <summary>The JSON of the client's CONNECT (after <see cref="ReadHandshakeAsync"/>).</summary>
    public string Connect { get; private set; } = "";

    /// <summary>The lines between CONNECT and the first PING: the subscriptions sent at connect.</summary>
    public List<string> HandshakeLines { get; } = [];

    /// <summary>Reads CONNECT and every line up to the first PING (not answered).</summary>
    public async Task ReadHandshakeAsync(CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(cancellationToken);
        Assert.StartsWith("CONNECT {", line, StringComparison.Ordinal);
        Connect = line["CONNECT ".Length..];
        while ((line = await ReadLineAsync(cancellationToken)) != "PING")
        {
            HandshakeLines.Add(line);
        }
    }

    public Task SendAsync(string text, CancellationToken cancellationToken) => SendAsync(Encoding.UTF8.GetBytes(text), cancellationToken);

    public async Task SendAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(bytes, cancellationToken);
        await _stream.FlushAsync(cancellationToken);
    }

    /// <summary>The next line the client sent, without CRLF.</summary>
    public async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var line = Encoding.UTF8.GetString(_buffer, _start, newline - _start).TrimEnd('\r');
                _start = newline + 1;
                return line;
            }

            await FillAsync(cancellationToken);
        }
    }

    /// <summary>The next operation the client sent, with its payload for PUB/HPUB; PINGs are answered and skipped when asked.</summary>
    public async Task<FakeNatsCommand> ReadCommandAsync(CancellationToken cancellationToken, bool answerPings = true)
    {
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken);
            if (line == "PING" && answerPings)
            {
                await SendAsync("PONG\r\n", cancellationToken);
                continue;
            }

            var command = new FakeNatsCommand(line, []);
            if (command.Op is "PUB" or "HPUB")
            {
                var size = int.Parse(command.Arguments[^1], System.Globalization.CultureInfo.InvariantCulture);
                var payload = await ReadBytesAsync(size + 2, cancellationToken);
                Assert.Equal("\r\n"u8.ToArray(), payload[^2..]);
                return command with { Payload = payload[..^2] };
            }

            return command;
        }
    }

    /// <summary>True once the client has closed the connection (within the token's time).</summary>
    public async Task<bool> WaitForCloseAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                _start = _end = 0;
                if (await _stream.ReadAsync(_buffer, cancellationToken) == 0)
                {
                    return true;
                }
            }
        }
        catch (IOException)
        {
            return true;
        }
    }

    public void Dispose()
    {
        _stream.Dispose();
        _client.Dispose();
    }

    private async Task<byte[]> ReadBytesAsync(int count, CancellationToken cancellationToken)
    {
        var bytes = new byte[count];
        var copied = 0;
        while (copied < count)
        {
            if (_start == _end)
            {
                await FillAsync(cancellationToken);
            }

            var n = Math.Min(count - copied, _end - _start);
            Array.Copy(_buffer, _start, bytes, copied, n);
            _start += n;
            copied += n;
        }

        return bytes;
    }

    private async Task FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            throw new InvalidOperationException("The client sent a line longer than the fake's buffer.");
        }

        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        if (read == 0)
        {
            throw new EndOfStreamException("The client closed the connection.");
        }

        _end += read;
    }
}
