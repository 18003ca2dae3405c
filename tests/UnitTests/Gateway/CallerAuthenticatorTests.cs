using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Perms.Gateway.Auth;
using Perms.UnitTests.Grains;

namespace Perms.UnitTests.Gateway;

public sealed class CallerAuthenticatorTests : IDisposable
{
    private const string First = "first-0123456789abcdef0123456789abcdef";
    private const string Rotated = "rotated-0123456789abcdef0123456789abcdef";
    private readonly string _directory = Directory.CreateTempSubdirectory("perms-auth-").FullName;
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private CallerAuthenticator Create(CallerAuthenticationMode mode = CallerAuthenticationMode.Tokens) =>
        new(Options.Create(new CallerAuthenticationOptions { Mode = mode, TokensPath = _directory }), _time, NullLogger<CallerAuthenticator>.Instance);

    [Fact]
    public void Only_a_bearer_token_of_a_known_service_authenticates()
    {
        File.WriteAllText(Path.Combine(_directory, "orders"), First);
        using var authenticator = Create();

        Assert.Equal("orders", authenticator.Authenticate($"Bearer {First}"));
        Assert.Equal("orders", authenticator.Authenticate($"bearer   {First}  "));
        Assert.Null(authenticator.Authenticate(First));
        Assert.Null(authenticator.Authenticate($"Basic {First}"));
        Assert.Null(authenticator.Authenticate("Bearer "));
        Assert.Null(authenticator.Authenticate(null));
    }

    [Fact]
    public void A_rotated_secret_applies_at_the_next_reload_without_a_restart()
    {
        var file = Path.Combine(_directory, "orders");
        File.WriteAllText(file, First);
        using var authenticator = Create();

        File.WriteAllText(file, Rotated);
        Assert.Equal("orders", authenticator.Authenticate($"Bearer {First}"));
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Null(authenticator.Authenticate($"Bearer {First}"));
        Assert.Equal("orders", authenticator.Authenticate($"Bearer {Rotated}"));
    }

    [Fact]
    public void A_reload_that_fails_keeps_the_last_good_tokens()
    {
        var file = Path.Combine(_directory, "orders");
        File.WriteAllText(file, First);
        using var authenticator = Create();

        File.WriteAllText(file, "too-short");
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal("orders", authenticator.Authenticate($"Bearer {First}"));
    }

    [Fact]
    public void Development_mode_lets_every_call_through_and_says_so()
    {
        using var authenticator = Create(CallerAuthenticationMode.Development);

        Assert.True(authenticator.IsDevelopmentMode);
        Assert.Equal("development", authenticator.Authenticate(null));
    }
}
