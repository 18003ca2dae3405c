using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Perms.Nats;
using Perms.UnitTests.Grpc;

namespace Perms.UnitTests.Nats;

/// <summary>A fake server, captured logs and a time limit for one test; connections made here ping only when asked.</summary>
public sealed class FakeNatsHarness : IDisposable
{
    private readonly CancellationTokenSource _timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
    private readonly LoggerFactory _loggerFactory;

    public FakeNatsHarness()
    {
        _timeout.CancelAfter(TimeSpan.FromSeconds(30));
        _loggerFactory = new LoggerFactory([Logs]);
    }

    public FakeNatsServer Server { get; } = new();

    public CapturingLoggerProvider Logs { get; } = new();

    /// <summary>Cancelled after 30 seconds: nothing here may hang.</summary>
    public CancellationToken Token => _timeout.Token;

    public NatsConnection CreateConnection(Action<NatsOptions>? configure = null)
    {
        var options = new NatsOptions
        {
            Servers = [Server.Url],
            PingInterval = TimeSpan.FromHours(1),
            ReconnectWaitMin = TimeSpan.FromMilliseconds(10),
            ReconnectWaitMax = TimeSpan.FromMilliseconds(50),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        configure?.Invoke(options);
        return new NatsConnection(options, _loggerFactory.CreateLogger<NatsConnection>());
    }

    /// <summary>Connects <paramref name="connection"/> to the fake and returns the server's side.</summary>
    public async Task<FakeNatsPeer> ConnectAsync(NatsConnection connection)
    {
        var connect = connection.ConnectAsync(Token);
        var peer = await Server.AcceptConnectedAsync(Token);
        await connect;
        return peer;
    }

    /// <summary>A handler that writes every message to <paramref name="received"/>.</summary>
    public static Func<NatsMsg, CancellationToken, ValueTask> Into(Channel<NatsMsg> received) =>
        (message, cancellationToken) => received.Writer.WriteAsync(message, cancellationToken);

    public async Task<NatsMsg> ReceiveAsync(Channel<NatsMsg> received) => await received.Reader.ReadAsync(Token);

    /// <summary>Waits until <paramref name="condition"/> holds (checked every 10 ms), or fails at the time limit.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        while (!condition())
        {
            if (Token.IsCancellationRequested)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }

            await Task.Delay(10, CancellationToken.None);
        }
    }

    public void Dispose()
    {
        Server.Dispose();
        _loggerFactory.Dispose();
        _timeout.Dispose();
    }
}
