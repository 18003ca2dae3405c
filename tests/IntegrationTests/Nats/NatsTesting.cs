using System.Text;
using System.Threading.Channels;
using Perms.Nats;

namespace Perms.IntegrationTests.Nats;

/// <summary>Shared bits of the NATS client tests against the real nats-server.</summary>
internal static class NatsTesting
{
    /// <summary>Only against hangs: no test asserts how fast the machine is.</summary>
    public static readonly TimeSpan Generous = TimeSpan.FromMinutes(2);

    /// <summary>The defaults, but reconnecting fast: a test waits for it.</summary>
    public static NatsOptions Options(Uri server, Action<NatsOptions>? configure = null)
    {
        var options = new NatsOptions
        {
            Servers = [server],
            Name = "perms-tests",
            ReconnectWaitMin = TimeSpan.FromMilliseconds(20),
            ReconnectWaitMax = TimeSpan.FromMilliseconds(250),
        };
        configure?.Invoke(options);
        return options;
    }

    /// <summary>The test's token, cancelled after <see cref="Generous"/>.</summary>
    public static CancellationTokenSource Timeout()
    {
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Generous);
        return timeout;
    }

    public static Func<NatsMsg, CancellationToken, ValueTask> Into(Channel<NatsMsg> received) =>
        (message, cancellationToken) => received.Writer.WriteAsync(message, cancellationToken);

    /// <summary>A new connection to <paramref name="server"/>, connected.</summary>
    public static async Task<NatsConnection> ConnectAsync(Uri server, CancellationToken cancellationToken, Action<NatsOptions>? configure = null)
    {
        var connection = new NatsConnection(Options(server, configure));
        try
        {
            await connection.ConnectAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Publishes <paramref name="text"/> on a fresh connection and waits until the server has it.</summary>
    public static async Task PublishOnceAsync(Uri server, string subject, string text, CancellationToken cancellationToken)
    {
        await using var publisher = await ConnectAsync(server, cancellationToken);
        await publisher.PublishAsync(subject, Encoding.UTF8.GetBytes(text), cancellationToken: cancellationToken);
        await publisher.FlushAsync(cancellationToken);
    }

    public static async Task<string> ReceiveTextAsync(Channel<NatsMsg> received, CancellationToken cancellationToken) =>
        Encoding.UTF8.GetString((await received.Reader.ReadAsync(cancellationToken)).Data.Span);

    /// <summary>Waits until <paramref name="condition"/> holds, checking every 10 ms.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            if (cancellationToken.IsCancellationRequested)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }

            await Task.Delay(10, CancellationToken.None);
        }
    }
}
