using Perms.Cluster;

namespace Perms.UnitTests.Cluster;

public sealed class PostgresMembershipOptionsValidatorTests
{
    private readonly PostgresMembershipOptionsValidator _validator = new();

    [Fact]
    public void The_defaults_with_a_connection_string_and_an_address_are_valid()
    {
        var options = new PostgresMembershipOptions { ConnectionString = "Host=db", Self = SiloAddress.Parse("silo-0:7000") };

        Assert.True(_validator.Validate(null, options).Succeeded);
        Assert.Equal("perms", options.Schema);
        Assert.Equal(TimeSpan.FromSeconds(15), options.EffectiveSuspicionTimeout);
    }

    [Fact]
    public void Better_Auths_public_schema_is_refused()
    {
        var options = new PostgresMembershipOptions { ConnectionString = "Host=db", Self = SiloAddress.Parse("silo-0:7000"), Schema = "public" };

        var failure = Assert.Single(_validator.Validate(null, options).Failures!);

        Assert.Contains("not Perms' own", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_is_reported_with_its_fix()
    {
        var options = new PostgresMembershipOptions
        {
            Schema = "perms; drop table x",
            HeartbeatInterval = TimeSpan.FromSeconds(5),
            SuspicionTimeout = TimeSpan.FromSeconds(5),
        };

        var failures = _validator.Validate(null, options).Failures!.ToList();

        Assert.Equal(4, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("ConnectionString is not set", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Schema 'perms; drop table x' is not a lower-case SQL identifier", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Self is not set", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("SuspicionTimeout 00:00:05 must exceed", StringComparison.Ordinal));
    }
}
