using System.Text.Json;
using Perms.Nats;

namespace Perms.UnitTests.Nats;

/// <summary>INFO and CONNECT against a fake server: what the client announces, how it authenticates, what it refuses.</summary>
public sealed class NatsHandshakeTests : IDisposable
{
    private readonly FakeNatsHarness _harness = new();

    private CancellationToken Token => _harness.Token;

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task CONNECT_announces_the_name_the_language_and_the_protocol_flags_and_no_credentials()
    {
        await using var connection = _harness.CreateConnection(o => o.Name = "orders-service");
        using var peer = await _harness.ConnectAsync(connection);

        using var connect = JsonDocument.Parse(peer.Connect);
        var root = connect.RootElement;
        Assert.False(root.GetProperty("verbose").GetBoolean());
        Assert.False(root.GetProperty("pedantic").GetBoolean());
        Assert.True(root.GetProperty("headers").GetBoolean());
        Assert.False(root.GetProperty("no_responders").GetBoolean());
        Assert.Equal("csharp-perms", root.GetProperty("lang").GetString());
        Assert.Equal("orders-service", root.GetProperty("name").GetString());
        Assert.False(root.TryGetProperty("auth_token", out _));
        Assert.False(root.TryGetProperty("user", out _));
        Assert.False(root.TryGetProperty("pass", out _));
        Assert.Equal(NatsConnectionState.Connected, connection.State);
        Assert.Equal("FAKE", connection.ServerInfo?.ServerId);
        Assert.Equal(1048576, connection.ServerInfo?.MaxPayload);
        Assert.True(connection.ServerInfo?.Headers);
    }

    [Fact]
    public async Task CONNECT_carries_the_token()
    {
        await using var connection = _harness.CreateConnection(o => o.Token = "s3cr\"et");
        using var peer = await _harness.ConnectAsync(connection);

        using var connect = JsonDocument.Parse(peer.Connect);
        Assert.Equal("s3cr\"et", connect.RootElement.GetProperty("auth_token").GetString());
        Assert.False(connect.RootElement.TryGetProperty("user", out _));
    }

    [Fact]
    public async Task CONNECT_carries_the_user_and_password()
    {
        await using var connection = _harness.CreateConnection(o => (o.User, o.Password) = ("alice", "wonder land"));
        using var peer = await _harness.ConnectAsync(connection);

        using var connect = JsonDocument.Parse(peer.Connect);
        Assert.Equal("alice", connect.RootElement.GetProperty("user").GetString());
        Assert.Equal("wonder land", connect.RootElement.GetProperty("pass").GetString());
        Assert.False(connect.RootElement.TryGetProperty("auth_token", out _));
    }

    [Fact]
    public async Task Credentials_in_the_server_address_are_used_when_the_options_have_none()
    {
        var withUser = new UriBuilder(_harness.Server.Url) { UserName = "bob", Password = "p%40ss" }.Uri;
        await using var connection = _harness.CreateConnection(o => o.Servers = [withUser]);
        using var peer = await _harness.ConnectAsync(connection);

        using var connect = JsonDocument.Parse(peer.Connect);
        Assert.Equal("bob", connect.RootElement.GetProperty("user").GetString());
        Assert.Equal("p@ss", connect.RootElement.GetProperty("pass").GetString());
    }

    [Fact]
    public async Task An_authorization_violation_fails_ConnectAsync_clearly_and_the_connection_keeps_trying()
    {
        await using var connection = _harness.CreateConnection(o => o.Token = "wrong");
        var connect = connection.ConnectAsync(Token);
        using (var refused = await _harness.Server.AcceptAsync(Token))
        {
            await refused.ReadHandshakeAsync(Token);
            await refused.SendAsync("-ERR 'Authorization Violation'\r\n", Token);
        }

        var error = await Assert.ThrowsAsync<NatsServerErrorException>(() => connect);
        Assert.True(error.IsAuthorizationViolation);
        Assert.Contains("Authorization Violation", error.Message, StringComparison.Ordinal);
        Assert.Contains("Token", error.Message, StringComparison.Ordinal);

        using var retried = await _harness.Server.AcceptConnectedAsync(Token);
        await connection.ConnectAsync(Token);
        Assert.Equal(NatsConnectionState.Connected, connection.State);
        Assert.Contains(_harness.Logs.Entries, e => e.Message.Contains("Authorization Violation", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_server_that_wants_nkeys_fails_with_a_message_saying_nkeys_are_not_supported()
    {
        _harness.Server.Info = """{"server_id":"FAKE","version":"2.9.10","proto":1,"headers":true,"max_payload":1048576,"auth_required":true,"nonce":"abc123"}""";
        await using var connection = _harness.CreateConnection();
        var connect = connection.ConnectAsync(Token);
        using var peer = await _harness.Server.AcceptAsync(Token);

        var error = await Assert.ThrowsAsync<NatsException>(() => connect);
        Assert.Contains("nkey", error.Message, StringComparison.Ordinal);
        Assert.Contains("not support", error.Message, StringComparison.Ordinal);
        Assert.NotEqual(NatsConnectionState.Connected, connection.State);
    }

    [Fact]
    public async Task ConnectAsync_waits_through_refused_attempts_and_says_why_when_cancelled()
    {
        var unused = _harness.Server.Url;
        _harness.Server.Dispose();
        await using var connection = _harness.CreateConnection(o => o.Servers = [unused]);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(Token);
        wait.CancelAfter(TimeSpan.FromMilliseconds(300));

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connection.ConnectAsync(wait.Token));

        Assert.Contains("keeps trying", error.Message, StringComparison.Ordinal);
        Assert.Equal(NatsConnectionState.Connecting, connection.State);
    }

    [Fact]
    public async Task A_server_that_is_not_NATS_is_a_protocol_error()
    {
        await using var connection = _harness.CreateConnection();
        var connect = connection.ConnectAsync(Token);
        using var peer = await _harness.Server.AcceptSilentlyAsync(Token);
        await peer.SendAsync("HTTP/1.1 400 Bad Request\r\n\r\n", Token);

        await _harness.WaitUntilAsync(() => _harness.Logs.Entries.Any(e => e.Message.Contains("HTTP/1.1 400", StringComparison.Ordinal)), "the bad first line is logged");
        Assert.False(connect.IsCompleted);
    }

    [Fact]
    public void Invalid_options_are_refused_naming_each_problem()
    {
        var options = new NatsOptions
        {
            Servers = [new Uri("http://127.0.0.1:4222")],
            Password = "orphan",
            MaxPingsOutstanding = 0,
            ReconnectWaitMin = TimeSpan.Zero,
            SubscriptionCapacity = 0,
        };

        var error = Assert.Throws<ArgumentException>(() => new NatsConnection(options));

        Assert.Equal("options", error.ParamName);
        Assert.Contains("http://127.0.0.1:4222", error.Message, StringComparison.Ordinal);
        Assert.Contains("Password", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxPingsOutstanding", error.Message, StringComparison.Ordinal);
        Assert.Contains("ReconnectWaitMin", error.Message, StringComparison.Ordinal);
        Assert.Contains("SubscriptionCapacity", error.Message, StringComparison.Ordinal);
    }
}
