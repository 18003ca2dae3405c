using Perms.Gateway.Auth;

namespace Perms.UnitTests.Gateway;

public sealed class CallerTokenSetTests : IDisposable
{
    private const string OrdersToken = "orders-0123456789abcdef0123456789abcdef";
    private const string BillingToken = "billing-0123456789abcdef0123456789abcdef";
    private readonly string _directory = Directory.CreateTempSubdirectory("perms-tokens-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_mounted_secret_directory_gives_one_service_per_file_and_skips_dot_files()
    {
        File.WriteAllText(Path.Combine(_directory, "orders"), OrdersToken + "\n");
        File.WriteAllText(Path.Combine(_directory, "billing"), BillingToken);
        File.WriteAllText(Path.Combine(_directory, ".hidden"), "x");

        var tokens = CallerTokenSet.Load(_directory, 32);

        Assert.Equal("orders", tokens.Authenticate(OrdersToken));
        Assert.Equal("billing", tokens.Authenticate(BillingToken));
        Assert.Null(tokens.Authenticate(OrdersToken + "x"));
        Assert.Null(tokens.Authenticate(""));
        Assert.Equal(["billing", "orders"], tokens.Services);
    }

    [Fact]
    public void A_token_file_has_one_service_and_token_per_line_with_comments()
    {
        var file = Path.Combine(_directory, "tokens.txt");
        File.WriteAllText(file, $"# callers\norders {OrdersToken}\n\nbilling   {BillingToken}\n");

        var tokens = CallerTokenSet.Load(file, 32);

        Assert.Equal("billing", tokens.Authenticate(BillingToken));
    }

    [Theory]
    [InlineData("orders short-token", "line 1: the token of \"orders\" is 11 characters; at least 32 are required")]
    [InlineData("orders", "line 1: expected \"service-name token\"")]
    [InlineData($"orders {OrdersToken}\norders {BillingToken}", "line 2: service \"orders\" has a token already")]
    [InlineData("# nothing", "no tokens")]
    public void A_bad_token_file_names_the_line_and_never_echoes_a_token(string content, string message)
    {
        var file = Path.Combine(_directory, "tokens.txt");
        File.WriteAllText(file, content);

        var error = Assert.Throws<InvalidDataException>(() => CallerTokenSet.Load(file, 32));

        Assert.EndsWith(message, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("short-token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_path_is_an_error_naming_it()
    {
        var missing = Path.Combine(_directory, "nope");

        Assert.Equal($"{missing}: no such file or directory", Assert.Throws<InvalidDataException>(() => CallerTokenSet.Load(missing, 32)).Message);
    }
}
