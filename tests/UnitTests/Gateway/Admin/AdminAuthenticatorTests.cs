using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Perms.Gateway.Admin;
using Perms.Gateway.Auth;
using Perms.Grpc;
using Perms.UnitTests.Grains;

namespace Perms.UnitTests.Gateway.Admin;

/// <summary>Admin tokens: a set of their own, off unless configured, never a caller's token.</summary>
public sealed class AdminAuthenticatorTests : IDisposable
{
    private const string AdminToken = "admin-0123456789abcdef0123456789abcdef";
    private const string CallerToken = "caller-0123456789abcdef0123456789abcdef";
    private const string Rotated = "rotated-0123456789abcdef0123456789abcdef";
    private readonly string _directory = Directory.CreateTempSubdirectory("perms-admin-").FullName;
    private readonly ManualTimeProvider _time = new();
    private readonly List<IDisposable> _created = [];

    public AdminAuthenticatorTests()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "admins"));
        Directory.CreateDirectory(Path.Combine(_directory, "callers"));
        File.WriteAllText(Path.Combine(_directory, "admins", "ops"), AdminToken);
        File.WriteAllText(Path.Combine(_directory, "callers", "orders"), CallerToken);
    }

    private string Admins => Path.Combine(_directory, "admins");

    private string Callers => Path.Combine(_directory, "callers");

    public void Dispose()
    {
        foreach (var created in _created)
        {
            created.Dispose();
        }

        Directory.Delete(_directory, recursive: true);
    }

    private AdminAuthenticator Create(string? tokensPath, CallerAuthenticationMode callerMode = CallerAuthenticationMode.Tokens)
    {
        var callers = new CallerAuthenticator(Options.Create(new CallerAuthenticationOptions { Mode = callerMode, TokensPath = Callers }), _time, NullLogger<CallerAuthenticator>.Instance);
        var admin = new AdminAuthenticator(Options.Create(new AdminAuthenticationOptions { TokensPath = tokensPath }), callers, _time, NullLogger<AdminAuthenticator>.Instance);
        _created.Add(callers);
        _created.Add(admin);
        return admin;
    }

    private static GrpcStatusException Refused(AdminAuthenticator authenticator, string? authorization) =>
        Assert.Throws<GrpcStatusException>(() => authenticator.Authenticate(authorization));

    [Fact]
    public void Without_admin_tokens_every_call_is_denied_with_how_to_enable_the_api()
    {
        var authenticator = Create(tokensPath: null);

        var e = Refused(authenticator, $"Bearer {AdminToken}");

        Assert.False(authenticator.IsEnabled);
        Assert.Equal(GrpcStatusCode.PermissionDenied, e.Code);
        Assert.Contains("Perms:Admin:TokensPath", e.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void An_admin_token_authenticates_by_its_name()
    {
        var authenticator = Create(Admins);

        Assert.Equal("ops", authenticator.Authenticate($"Bearer {AdminToken}"));
        Assert.Equal("ops", authenticator.Authenticate($"bearer  {AdminToken} "));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer ")]
    [InlineData("Basic admin-0123456789abcdef0123456789abcdef")]
    [InlineData("Bearer wrong-0123456789abcdef0123456789abcdef")]
    [InlineData("Bearer " + CallerToken)]
    public void A_missing_unknown_or_caller_token_is_unauthenticated(string? authorization)
    {
        var e = Refused(Create(Admins), authorization);

        Assert.Equal(GrpcStatusCode.Unauthenticated, e.Code);
    }

    [Fact]
    public void A_token_that_a_reload_put_in_both_sets_is_denied()
    {
        var authenticator = Create(Admins);
        File.WriteAllText(Path.Combine(Admins, "shared"), CallerToken);
        _time.Advance(TimeSpan.FromSeconds(10));

        var e = Refused(authenticator, $"Bearer {CallerToken}");

        Assert.Equal(GrpcStatusCode.PermissionDenied, e.Code);
        Assert.Contains("caller token", e.Detail, StringComparison.Ordinal);
        Assert.Equal("ops", authenticator.Authenticate($"Bearer {AdminToken}"));
    }

    [Fact]
    public void Development_mode_for_callers_does_not_open_the_admin_api()
    {
        var authenticator = Create(Admins, CallerAuthenticationMode.Development);

        Assert.Equal(GrpcStatusCode.Unauthenticated, Refused(authenticator, null).Code);
        Assert.Equal("ops", authenticator.Authenticate($"Bearer {AdminToken}"));
    }

    [Fact]
    public void A_rotated_admin_token_applies_at_the_next_reload()
    {
        var authenticator = Create(Admins);
        File.WriteAllText(Path.Combine(Admins, "ops"), Rotated);
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(GrpcStatusCode.Unauthenticated, Refused(authenticator, $"Bearer {AdminToken}").Code);
        Assert.Equal("ops", authenticator.Authenticate($"Bearer {Rotated}"));
    }

    [Fact]
    public void Removing_the_admin_tokens_revokes_them_at_the_next_reload_and_putting_them_back_restores_them()
    {
        var authenticator = Create(Admins);
        Assert.Equal("ops", authenticator.Authenticate($"Bearer {AdminToken}"));

        File.Delete(Path.Combine(Admins, "ops"));
        authenticator.Reload();
        var refused = Refused(authenticator, $"Bearer {AdminToken}");

        File.WriteAllText(Path.Combine(Admins, "ops"), AdminToken);
        authenticator.Reload();

        Assert.Equal(GrpcStatusCode.Unauthenticated, refused.Code);
        Assert.Equal("ops", authenticator.Authenticate($"Bearer {AdminToken}"));
    }

    [Fact]
    public void A_malformed_token_file_keeps_the_previous_tokens()
    {
        var authenticator = Create(Admins);

        File.WriteAllText(Path.Combine(Admins, "ops"), "short");
        authenticator.Reload();

        Assert.Equal("ops", authenticator.Authenticate($"Bearer {AdminToken}"));
    }
}
