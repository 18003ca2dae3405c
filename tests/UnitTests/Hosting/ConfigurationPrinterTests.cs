using Perms.Gateway.Hosting;

namespace Perms.UnitTests.Hosting;

/// <summary>What <c>--print-config</c> hides: secrets by key, credentials inside connection strings and URLs.</summary>
public sealed class ConfigurationPrinterTests
{
    [Theory]
    [InlineData("Perms:Cluster:Token", "s3cret-s3cret", "***")]
    [InlineData("Perms:Events:Token", "abc", "***")]
    [InlineData("Perms:Events:Password", "abc", "***")]
    [InlineData("Perms:Events:Password", "", "")]
    [InlineData("Perms:Database:ConnectionString", "Host=db;Username=perms;Password=hunter2;Database=app", "Host=db;Username=perms;Password=***;Database=app")]
    [InlineData("Perms:Cluster:Postgres:ConnectionString", "Host=db;pwd = hunter2", "Host=db;pwd=***")]
    [InlineData("Perms:Events:Url", "nats://perms:hunter2@nats-1:4222,tls://token@nats-2:4222", "nats://***@nats-1:4222,tls://***@nats-2:4222")]
    [InlineData("Perms:Events:Url", "nats://nats-1:4222", "nats://nats-1:4222")]
    [InlineData("Perms:Events:Url", "nats://nats-1:4222,nats://perms:p/w@nats-2:4222", "nats://nats-1:4222,nats://***@nats-2:4222")]
    [InlineData("Perms:Database:ConnectionString", "Host=db;Password=\"p;ss\";Database=app", "Host=db;Password=***;Database=app")]
    [InlineData("Perms:Database:ConnectionString", "Host=db;Password='p;ss'", "Host=db;Password=***")]
    [InlineData("Perms:Events:TokenFile", "/etc/perms/nats/token", "/etc/perms/nats/token")]
    [InlineData("Perms:Auth:TokensPath", "/etc/perms/caller-tokens", "/etc/perms/caller-tokens")]
    [InlineData("Perms:Server:Address", "10.0.0.7", "10.0.0.7")]
    public void Secrets_are_masked_and_paths_shown(string key, string value, string shown) =>
        Assert.Equal(shown, ConfigurationPrinter.Mask(key, value));
}
