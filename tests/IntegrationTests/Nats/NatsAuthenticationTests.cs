using System.Threading.Channels;
using Perms.IntegrationTests.Infrastructure;
using Perms.Nats;

namespace Perms.IntegrationTests.Nats;

/// <summary>Token and user/password authentication against nats-servers started with <c>--auth</c> and <c>--user/--pass</c>.</summary>
[Trait("Category", "Integration")]
public sealed class NatsAuthenticationTests : IDisposable
{
    private readonly CancellationTokenSource _timeout = NatsTesting.Timeout();

    private CancellationToken Token => _timeout.Token;

    public void Dispose() => _timeout.Dispose();

    [Fact]
    public async Task The_right_token_gets_in_and_a_wrong_one_is_refused_clearly()
    {
        await using var server = await NatsServerProcess.StartAsync("--auth", "s3cret-token");

        await using var admitted = await NatsTesting.ConnectAsync(server.Url, Token, o => o.Token = "s3cret-token");
        await RoundTripAsync(admitted);
        await using var refused = new NatsConnection(NatsTesting.Options(server.Url, o => o.Token = "wrong"));
        var error = await Assert.ThrowsAsync<NatsServerErrorException>(() => refused.ConnectAsync(Token));
        await using var anonymous = new NatsConnection(NatsTesting.Options(server.Url));
        var missing = await Assert.ThrowsAsync<NatsServerErrorException>(() => anonymous.ConnectAsync(Token));

        Assert.True(error.IsAuthorizationViolation);
        Assert.Contains("Authorization Violation", error.Message, StringComparison.Ordinal);
        Assert.True(missing.IsAuthorizationViolation);
        Assert.True(admitted.ServerInfo?.AuthRequired);
    }

    [Fact]
    public async Task The_right_user_and_password_get_in_and_a_wrong_password_is_refused_clearly()
    {
        await using var server = await NatsServerProcess.StartAsync("--user", "alice", "--pass", "wonder-land");

        await using var admitted = await NatsTesting.ConnectAsync(server.Url, Token, o => (o.User, o.Password) = ("alice", "wonder-land"));
        await RoundTripAsync(admitted);
        await using var refused = new NatsConnection(NatsTesting.Options(server.Url, o => (o.User, o.Password) = ("alice", "wrong")));
        var error = await Assert.ThrowsAsync<NatsServerErrorException>(() => refused.ConnectAsync(Token));

        Assert.True(error.IsAuthorizationViolation);
        Assert.NotEqual(NatsConnectionState.Connected, refused.State);
    }

    private async Task RoundTripAsync(NatsConnection connection)
    {
        var received = Channel.CreateUnbounded<NatsMsg>();
        await using var subscription = await connection.SubscribeAsync("auth.check", NatsTesting.Into(received), cancellationToken: Token);
        await connection.PublishAsync("auth.check", "in"u8.ToArray(), cancellationToken: Token);

        Assert.Equal("in", await NatsTesting.ReceiveTextAsync(received, Token));
    }
}
