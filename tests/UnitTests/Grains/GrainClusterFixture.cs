using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;
using Perms.Grains.Data;
using Perms.Grains.Permissions;
using Perms.Grains.Policy;
using Perms.Silo.Configuration;
using Perms.Silo.Grains;

namespace Perms.UnitTests.Grains;

/// <summary>
/// A real Orleans cluster in this process (Microsoft.Orleans.TestingHost, one silo) hosting Perms' grains over a
/// <see cref="GatedReader"/>, with dynamic roles on, a maximum staleness of 1 s and a failure back-off of 1 s.
/// </summary>
public sealed class GrainClusterFixture : IAsyncLifetime
{
    internal static readonly TimeSpan MaxStaleness = TimeSpan.FromSeconds(1);

    private InProcessTestCluster? _cluster;

    internal GatedReader Reader { get; } = new();

    internal InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("not started");

    internal IGrainFactory Grains => Cluster.Client;

    internal IServiceProvider Silo => Cluster.Silos[0].ServiceProvider;

    internal IGrainInvalidator Invalidator => Silo.GetRequiredService<IGrainInvalidator>();

    public async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        var reader = Reader;
        builder.ConfigureSiloHost((_, host) =>
        {
            host.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Perms:Grains:User:MaxStaleness"] = "00:00:01",
                ["Perms:Grains:User:LoadTimeout"] = "00:00:00.400",
                ["Perms:Grains:User:FailureBackoff"] = "00:00:01",
                ["Perms:Grains:Organization:MaxStaleness"] = "00:00:01",
                ["Perms:Grains:Organization:LoadTimeout"] = "00:00:00.400",
            });
            host.Services.AddSingleton<IBetterAuthReader>(reader);
            host.Services.AddSingleton(new CompiledPolicy(PolicyParser.Parse("""{ "organization": { "dynamicAccessControl": { "enabled": true } } }""", "test-policy.json")));
            host.Services.AddPermsGrains(host.Configuration);
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
