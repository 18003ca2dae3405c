namespace Perms.IntegrationTests.Nats;

/// <summary>Tests that measure this process's CPU time run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NatsIdleCpuCollection
{
    public const string Name = "NATS idle CPU";
}
