using System.Diagnostics;
using Perms.IntegrationTests.Infrastructure;
using Perms.Nats;

namespace Perms.IntegrationTests.Nats;

/// <summary>
/// The bug measured in NATS.Client 0.8.0: after the server went away its read loop spun at 100% CPU on EOF. Here the
/// client must sit still between reconnect attempts.
/// </summary>
[Trait("Category", "Integration")]
[Collection(NatsIdleCpuCollection.Name)]
public sealed class NatsIdleCpuTests
{
    [Fact]
    public async Task The_client_does_not_spin_while_the_server_is_down()
    {
        using var timeout = NatsTesting.Timeout();
        await using var server = await NatsServerProcess.StartAsync();
        await using var connection = new NatsConnection(new NatsOptions { Servers = [server.Url] });
        await using var subscription = await connection.SubscribeAsync("idle.>", (_, _) => ValueTask.CompletedTask, cancellationToken: timeout.Token);
        await connection.ConnectAsync(timeout.Token);

        await server.StopAsync();
        await NatsTesting.WaitUntilAsync(() => connection.State == NatsConnectionState.Reconnecting, "the client notices", timeout.Token);
        var before = Process.GetCurrentProcess().TotalProcessorTime;
        await Task.Delay(TimeSpan.FromSeconds(3), timeout.Token);
        var used = Process.GetCurrentProcess().TotalProcessorTime - before;

        Assert.True(used < TimeSpan.FromSeconds(1), $"The process used {used.TotalMilliseconds:0} ms of CPU in 3 s while the server was down.");
        Assert.Equal(NatsConnectionState.Reconnecting, connection.State);
        await server.StartAgainAsync();
        await NatsTesting.WaitUntilAsync(() => connection.State == NatsConnectionState.Connected, "the client is back", timeout.Token);
    }
}
