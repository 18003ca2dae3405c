using Perms.Silo.Commands;

namespace Perms.UnitTests.Commands;

/// <summary>perms admin's argument parsing: each command's arguments, and every usage error named.</summary>
public sealed class AdminCommandLineTests
{
    private static AdminCommandLine Parsed(params string[] args) =>
        AdminCommandLine.Parse(args, out var error) ?? throw new InvalidOperationException(error);

    private static string Error(params string[] args)
    {
        Assert.Null(AdminCommandLine.Parse(args, out var error));
        return error!;
    }

    [Fact]
    public void Defaults_call_the_local_silo_for_ten_seconds()
    {
        var line = Parsed("flush");

        Assert.Equal("flush", line.Command);
        Assert.Equal("127.0.0.1:50051", line.Address);
        Assert.Equal(TimeSpan.FromSeconds(10), line.Timeout);
        Assert.False(line.AllSilos || line.Json || line.Tls);
        Assert.Null(line.TokenFile);
    }

    [Fact]
    public void Every_option_is_read()
    {
        var line = Parsed("activations", "--sample", "5", "--address", "silo-0:7000", "--token-file", "/t", "--tls", "--ca-file", "/ca.pem", "--all-silos", "--json", "--timeout", "2.5");

        Assert.Equal(5, line.SampleSize);
        Assert.Equal("silo-0:7000", line.Address);
        Assert.Equal("/t", line.TokenFile);
        Assert.True(line.Tls && line.AllSilos && line.Json);
        Assert.Equal("/ca.pem", line.CaFile);
        Assert.Equal(TimeSpan.FromSeconds(2.5), line.Timeout);
    }

    [Fact]
    public void Ids_and_command_options_belong_to_their_commands()
    {
        Assert.Equal("u-1", Parsed("deactivate-user", "u-1").Argument);
        Assert.Equal("org-0", Parsed("deactivate-organization", "--json", "org-0").Argument);
        Assert.True(Parsed("policy", "--show").Show);
        Assert.Equal(0, Parsed("activations").SampleSize);
    }

    [Theory]
    [InlineData("no command given")]
    [InlineData("unknown command \"restart\"", "restart")]
    [InlineData("deactivate-user needs an id", "deactivate-user")]
    [InlineData("unexpected argument \"u-2\" for deactivate-user", "deactivate-user", "u-1", "u-2")]
    [InlineData("unexpected argument \"--show\" for flush", "flush", "--show")]
    [InlineData("unexpected argument \"--sample\" for cluster", "cluster", "--sample", "3")]
    [InlineData("--sample \"0\" is not a number from 1 to 1000", "activations", "--sample", "0")]
    [InlineData("--sample \"1001\" is not a number from 1 to 1000", "activations", "--sample", "1001")]
    [InlineData("--address needs a value", "flush", "--address")]
    [InlineData("--timeout \"soon\" is not a number of seconds from 0 to 3600", "flush", "--timeout", "soon")]
    [InlineData("--ca-file needs --tls", "flush", "--ca-file", "/ca.pem")]
    public void Usage_errors_say_what_is_wrong(string expected, params string[] args)
    {
        Assert.Equal(expected, Error(args));
    }

    [Fact]
    public async Task A_usage_error_exits_2_with_the_usage_text_and_calls_nothing()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await AdminCommand.RunAsync(["deactivate-user"], output, error, environmentToken: "x");

        Assert.Equal(2, exit);
        Assert.Contains("usage: perms admin COMMAND", error.ToString(), StringComparison.Ordinal);
        Assert.Empty(output.ToString());
    }

    [Fact]
    public async Task No_token_is_a_usage_error_saying_where_a_token_comes_from()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await AdminCommand.RunAsync(["flush"], output, error, environmentToken: null);

        Assert.Equal(2, exit);
        Assert.Contains("PERMS_ADMIN_TOKEN", error.ToString(), StringComparison.Ordinal);
    }
}
