using Perms.Cluster;

namespace Perms.UnitTests.Cluster;

/// <summary>
/// Perms:Cluster for a silo and for a gateway: each mistake named by its key with its fix, every mistake at once, and
/// the configurations that must start.
/// </summary>
public sealed class ClusterOptionsValidatorTests : IDisposable
{
    private const string Token = "0123456789abcdef0123456789abcdef";

    private static readonly ClusterOptionsValidator Silo = new(isSilo: true);
    private static readonly ClusterOptionsValidator Gateway = new(isSilo: false);

    private readonly string _directory = Directory.CreateTempSubdirectory("perms-cluster-options-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static List<string> Failures(ClusterOptionsValidator validator, ClusterOptions options)
    {
        var result = validator.Validate(null, options);
        Assert.True(result.Failed, "the options were accepted");
        return [.. result.Failures!];
    }

    private static string SingleFailure(ClusterOptionsValidator validator, ClusterOptions options) =>
        Assert.Single(Failures(validator, options));

    private static ClusterOptions StaticSilo(params string[] silos) => new() { Self = "10.0.0.1:50051", Silos = [.. silos], Token = Token };

    [Fact]
    public void A_silo_alone_needs_nothing_set()
    {
        Assert.True(Silo.Validate(null, new ClusterOptions()).Succeeded);
    }

    [Fact]
    public void A_silo_alone_with_only_its_derived_self_needs_no_token()
    {
        Assert.True(Silo.Validate(null, new ClusterOptions { Self = "10.0.0.1:50051" }).Succeeded);
    }

    [Fact]
    public void A_gateway_with_a_static_list_and_a_token_is_valid()
    {
        var options = new ClusterOptions { Silos = ["10.0.0.1:50051", "10.0.0.2:50051"], Token = Token };

        Assert.True(Gateway.Validate(null, options).Succeeded);
    }

    [Fact]
    public void A_static_silo_listed_among_its_peers_is_valid()
    {
        Assert.True(Silo.Validate(null, StaticSilo("10.0.0.1:50051", "10.0.0.2:50051")).Succeeded);
    }

    [Fact]
    public void A_postgres_silo_with_self_connection_string_and_token_is_valid()
    {
        var options = new ClusterOptions { Provider = "postgres", Self = "10.0.0.1:50051", Token = Token, Postgres = { ConnectionString = "Host=db;Username=perms" } };

        Assert.True(Silo.Validate(null, options).Succeeded);
    }

    [Fact]
    public void A_postgres_gateway_needs_no_self()
    {
        var options = new ClusterOptions { Provider = "postgres", Token = Token, Postgres = { ConnectionString = "Host=db;Username=perms" } };

        Assert.True(Gateway.Validate(null, options).Succeeded);
    }

    [Fact]
    public void The_provider_name_ignores_case_and_surrounding_spaces()
    {
        var options = new ClusterOptions { Provider = " DNS ", Self = "10.0.0.1:50051", Token = Token, Dns = { HostName = "perms-silo.perms.svc.cluster.local" } };

        Assert.True(Silo.Validate(null, options).Succeeded);
    }

    [Fact]
    public void An_unknown_provider_is_the_only_failure_reported()
    {
        // Nothing else can be checked without knowing the provider: the wrong Self and missing token are not reported.
        var failure = SingleFailure(Silo, new ClusterOptions { Provider = "consul", Self = "nope" });

        Assert.StartsWith("Perms:Cluster:Provider 'consul' is not a membership provider.", failure, StringComparison.Ordinal);
        Assert.Contains("static", failure, StringComparison.Ordinal);
        Assert.Contains("dns", failure, StringComparison.Ordinal);
        Assert.Contains("postgres", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_self_that_is_not_host_and_port_is_refused()
    {
        var failure = SingleFailure(Silo, new ClusterOptions { Self = "10.0.0.1" });

        Assert.StartsWith("Perms:Cluster:Self '10.0.0.1' is not host:port.", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gateway_with_a_self_is_refused()
    {
        var options = new ClusterOptions { Self = "10.0.0.9:50051", Silos = ["10.0.0.1:50051"], Token = Token };

        var failure = SingleFailure(Gateway, options);

        Assert.StartsWith("Perms:Cluster:Self is set, but a gateway is not a silo", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("static")]
    [InlineData("dns")]
    [InlineData("postgres")]
    public void A_clustered_silo_without_self_is_refused_once(string provider)
    {
        var options = new ClusterOptions
        {
            Provider = provider,
            Silos = provider == "static" ? ["10.0.0.1:50051"] : [],
            Token = Token,
            Dns = { HostName = "perms-silo.perms.svc.cluster.local" },
            Postgres = { ConnectionString = "Host=db" },
        };

        // For postgres, its own "Postgres:Self is not set" is left out: the key to set is Perms:Cluster:Self.
        var failure = SingleFailure(Silo, options);

        Assert.StartsWith("Perms:Cluster:Self is not set and cannot be derived", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_static_silo_that_is_not_host_and_port_is_named_by_its_index()
    {
        var failure = SingleFailure(Silo, StaticSilo("10.0.0.1:50051", "10.0.0.2"));

        Assert.StartsWith("Perms:Cluster:Silos:1 '10.0.0.2' is not host:port", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_static_silo_listed_twice_is_refused_whatever_the_case_of_its_name()
    {
        var failure = SingleFailure(Gateway, new ClusterOptions { Silos = ["silo-0.perms:50051", "SILO-0.perms:50051"], Token = Token });

        Assert.Equal("Perms:Cluster:Silos names silo-0.perms:50051 more than once; list each silo once.", failure);
    }

    [Fact]
    public void A_static_list_without_this_silo_is_refused()
    {
        var failure = SingleFailure(Silo, StaticSilo("10.0.0.2:50051", "10.0.0.3:50051"));

        Assert.StartsWith("Perms:Cluster:Silos does not contain this silo's Perms:Cluster:Self 10.0.0.1:50051", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_static_gateway_without_silos_is_refused()
    {
        var failure = SingleFailure(Gateway, new ClusterOptions { Token = new string('t', 32) });

        Assert.StartsWith("Perms:Cluster:Silos is empty: a gateway needs silos to route to.", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gateway_always_needs_the_cluster_token()
    {
        var failure = SingleFailure(Gateway, new ClusterOptions { Silos = ["10.0.0.1:50051"] });

        Assert.StartsWith("Perms:Cluster:Token is not set.", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void The_dns_options_are_checked_and_prefixed_with_their_key()
    {
        var options = new ClusterOptions
        {
            Provider = "dns",
            Self = "10.0.0.1:50051",
            Token = Token,
            Dns = { HostName = "", Port = 0, RefreshInterval = TimeSpan.Zero },
        };

        var failures = Failures(Silo, options);

        Assert.Equal(3, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("Perms:Cluster:Dns:HostName '' is not a DNS name.", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Perms:Cluster:Dns:Port 0 is out of range.", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Perms:Cluster:Dns:RefreshInterval 00:00:00 must be positive", StringComparison.Ordinal));
    }

    [Fact]
    public void The_postgres_options_are_checked_and_prefixed_with_their_key()
    {
        var options = new ClusterOptions
        {
            Provider = "postgres",
            Self = "10.0.0.1:50051",
            Token = Token,
            Postgres = { ConnectionString = "", Schema = "public", HeartbeatInterval = TimeSpan.FromSeconds(5), SuspicionTimeout = TimeSpan.FromSeconds(5) },
        };

        var failures = Failures(Silo, options);

        Assert.Equal(3, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("Perms:Cluster:Postgres:ConnectionString is not set.", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Perms:Cluster:Postgres:Schema 'public' is not Perms' own.", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Perms:Cluster:Postgres:SuspicionTimeout 00:00:05 must exceed HeartbeatInterval", StringComparison.Ordinal));
    }

    [Fact]
    public void A_cluster_without_a_token_is_refused()
    {
        var failure = SingleFailure(Gateway, new ClusterOptions { Silos = ["10.0.0.1:50051"] });

        Assert.StartsWith("Perms:Cluster:Token is not set.", failure, StringComparison.Ordinal);
        Assert.Contains("Perms:Cluster:TokenFile", failure, StringComparison.Ordinal);
        Assert.Contains($"at least {ClusterOptionsValidator.MinimumTokenLength} characters", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_short_token_is_refused_with_its_length_after_trimming()
    {
        var options = new ClusterOptions { Silos = ["10.0.0.1:50051"], Token = "  " + new string('k', ClusterOptionsValidator.MinimumTokenLength - 1) + "  " };

        var failure = SingleFailure(Gateway, options);

        Assert.StartsWith($"Perms:Cluster:Token is {ClusterOptionsValidator.MinimumTokenLength - 1} characters; use at least {ClusterOptionsValidator.MinimumTokenLength}", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_of_the_minimum_length_is_accepted()
    {
        var options = new ClusterOptions { Silos = ["10.0.0.1:50051"], Token = new string('k', ClusterOptionsValidator.MinimumTokenLength) };

        Assert.True(Gateway.Validate(null, options).Succeeded);
    }

    [Fact]
    public void A_token_and_a_token_file_together_are_refused()
    {
        var file = Path.Combine(_directory, "token");
        File.WriteAllText(file, Token);

        var failure = SingleFailure(Gateway, new ClusterOptions { Silos = ["10.0.0.1:50051"], Token = Token, TokenFile = file });

        Assert.StartsWith("Perms:Cluster:Token and Perms:Cluster:TokenFile are both set; keep one", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_file_is_read_and_trimmed()
    {
        var file = Path.Combine(_directory, "token");
        File.WriteAllText(file, Token + "\n");
        var options = new ClusterOptions { Silos = ["10.0.0.1:50051"], TokenFile = file };

        Assert.True(Gateway.Validate(null, options).Succeeded);
        Assert.Equal([Token], options.ReadTokens());
    }

    [Fact]
    public void Two_tokens_rotate_a_secret_and_each_must_be_long_enough()
    {
        var next = new string('n', ClusterOptionsValidator.MinimumTokenLength);
        var rotating = new ClusterOptions { Silos = ["10.0.0.1:50051"], Token = $" {next}\n{Token} " };
        var oneShort = new ClusterOptions { Silos = ["10.0.0.1:50051"], Token = $"{next} short" };

        var failure = SingleFailure(Gateway, oneShort);

        Assert.True(Gateway.Validate(null, rotating).Succeeded);
        Assert.Equal([next, Token], rotating.ReadTokens());
        Assert.StartsWith("Perms:Cluster:Tokens have one that is 5 characters;", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_blank_token_is_no_token()
    {
        var failure = SingleFailure(Gateway, new ClusterOptions { Silos = ["10.0.0.1:50051"], Token = "  \n " });

        Assert.StartsWith("Perms:Cluster:Token is not set.", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_short_token_in_a_file_is_refused()
    {
        var file = Path.Combine(_directory, "token");
        File.WriteAllText(file, "secret\n");

        var failure = SingleFailure(Gateway, new ClusterOptions { Silos = ["10.0.0.1:50051"], TokenFile = file });

        Assert.StartsWith("Perms:Cluster:Token is 6 characters;", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreadable_token_file_is_refused_with_its_path()
    {
        var missing = Path.Combine(_directory, "no-such-token");

        var failure = SingleFailure(Gateway, new ClusterOptions { Silos = ["10.0.0.1:50051"], TokenFile = missing });

        Assert.StartsWith($"Perms:Cluster:TokenFile '{missing}' cannot be read: ", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_silo_alone_ignores_a_missing_token_file()
    {
        // Nothing calls a silo alone's internal API: its token is never read.
        var options = new ClusterOptions { TokenFile = Path.Combine(_directory, "no-such-token") };

        Assert.True(Silo.Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_suspect_duration_that_is_not_positive_is_refused(int seconds)
    {
        var options = new ClusterOptions { SuspectDuration = TimeSpan.FromSeconds(seconds) };

        var failure = SingleFailure(Silo, options);

        Assert.StartsWith($"Perms:Cluster:SuspectDuration {TimeSpan.FromSeconds(seconds)} must be positive", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var options = new ClusterOptions
        {
            Self = "not an address",
            Silos = ["10.0.0.1:50051", "10.0.0.1:50051", "bad"],
            Token = "short",
            SuspectDuration = TimeSpan.Zero,
        };

        var failures = Failures(Gateway, options);

        Assert.Equal(6, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("Perms:Cluster:Self 'not an address' is not host:port.", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Perms:Cluster:Self is set, but a gateway", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Perms:Cluster:Silos:2 'bad' is not host:port", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Perms:Cluster:Silos names 10.0.0.1:50051 more than once", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Perms:Cluster:Token is 5 characters", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Perms:Cluster:SuspectDuration 00:00:00 must be positive", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_problem_of_a_dns_silo_is_reported_at_once()
    {
        var options = new ClusterOptions { Provider = "dns", Dns = { HostName = "not a name!" }, SuspectDuration = TimeSpan.FromSeconds(-5) };

        var failures = Failures(Silo, options);

        Assert.Equal(4, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("Perms:Cluster:Self is not set", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Perms:Cluster:Dns:HostName 'not a name!' is not a DNS name", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Perms:Cluster:Token is not set", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Perms:Cluster:SuspectDuration -00:00:05 must be positive", StringComparison.Ordinal));
    }
}
