using Microsoft.Extensions.Configuration;
using Perms.Gateway.Admin;

namespace Perms.UnitTests.Gateway.Admin;

/// <summary>Perms:Admin at start-up: every failure names its key; a token in both sets stops the process.</summary>
public sealed class AdminAuthenticationOptionsValidatorTests : IDisposable
{
    private const string AdminToken = "admin-0123456789abcdef0123456789abcdef";
    private const string CallerToken = "caller-0123456789abcdef0123456789abcdef";
    private readonly string _directory = Directory.CreateTempSubdirectory("perms-admin-options-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string TokenFile(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static IConfiguration Configuration(string? callerTokensPath) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Perms:Auth:TokensPath"] = callerTokensPath }).Build();

    private static IReadOnlyList<string> Failures(AdminAuthenticationOptions options, IConfiguration? configuration = null) =>
        new AdminAuthenticationOptionsValidator(configuration).Validate(null, options) is { Failed: true } result ? [.. result.Failures!] : [];

    [Fact]
    public void Unset_is_valid_the_api_is_off()
    {
        Assert.Empty(Failures(new AdminAuthenticationOptions()));
    }

    [Fact]
    public void A_token_file_of_its_own_is_valid()
    {
        var admins = TokenFile("admins", $"ops {AdminToken}\n");
        var callers = TokenFile("callers", $"orders {CallerToken}\n");

        Assert.Empty(Failures(new AdminAuthenticationOptions { TokensPath = admins }, Configuration(callers)));
    }

    [Fact]
    public void Every_problem_is_reported_naming_its_key()
    {
        var failures = Failures(new AdminAuthenticationOptions { TokensPath = Path.Combine(_directory, "missing"), ReloadInterval = TimeSpan.Zero, MinimumTokenLength = 8 });

        Assert.Equal(3, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("Perms:Admin:ReloadInterval", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Perms:Admin:MinimumTokenLength", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Perms:Admin:TokensPath", StringComparison.Ordinal) && f.Contains("no such file", StringComparison.Ordinal));
    }

    [Fact]
    public void An_empty_path_says_how_to_turn_the_api_off()
    {
        var failure = Assert.Single(Failures(new AdminAuthenticationOptions { TokensPath = " " }));

        Assert.Contains("Perms:Admin:TokensPath is empty", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_short_admin_token_is_refused()
    {
        var failure = Assert.Single(Failures(new AdminAuthenticationOptions { TokensPath = TokenFile("admins", "ops short\n") }));

        Assert.Contains("at least 32 are required", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_that_is_also_a_caller_token_stops_the_start_naming_both_keys()
    {
        var admins = TokenFile("admins", $"ops {AdminToken}\nalso {CallerToken}\n");
        var callers = TokenFile("callers", $"orders {CallerToken}\n");

        var failure = Assert.Single(Failures(new AdminAuthenticationOptions { TokensPath = admins }, Configuration(callers)));

        Assert.Contains("Perms:Admin:TokensPath", failure, StringComparison.Ordinal);
        Assert.Contains("Perms:Auth:TokensPath", failure, StringComparison.Ordinal);
        Assert.DoesNotContain(CallerToken, failure, StringComparison.Ordinal);
    }
}
