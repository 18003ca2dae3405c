namespace Perms.Cluster;

/// <summary>The values of <see cref="ClusterOptions.Provider"/>.</summary>
public static class MembershipProviderNames
{
    /// <summary>A fixed list of silos, or this silo alone.</summary>
    public const string Static = "static";

    /// <summary>Every address of a DNS name (a Kubernetes headless Service).</summary>
    public const string Dns = "dns";

    /// <summary>Heartbeat rows in a table of Perms' own schema.</summary>
    public const string Postgres = "postgres";
}
