namespace Perms.Silo.Configuration;

/// <summary>The Orleans silo this process runs (configuration section <c>Perms:Orleans</c>).</summary>
public sealed class OrleansSiloOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Perms:Orleans";

    /// <summary>Whether <see cref="Clustering"/> is <c>postgres</c>.</summary>
    public bool IsPostgres => string.Equals(Clustering, PostgresClustering, StringComparison.OrdinalIgnoreCase);

    /// <summary>Orleans' own floor for a collection age is above its collection quantum; Perms keeps at least this.</summary>
    public static readonly TimeSpan MinimumCollectionAge = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How silos find each other: <c>localhost</c> (one silo, nothing to set up) or <c>postgres</c> (Orleans' ADO.NET
    /// clustering in a schema of Perms' own; Orleans' Kubernetes hosting on top when the process runs in a pod).
    /// Default <c>localhost</c>.
    /// </summary>
    public string Clustering { get; set; } = LocalhostClustering;

    /// <summary>The <see cref="Clustering"/> value for one silo on this machine.</summary>
    public const string LocalhostClustering = "localhost";

    /// <summary>The <see cref="Clustering"/> value for Orleans' ADO.NET clustering on PostgreSQL.</summary>
    public const string PostgresClustering = "postgres";

    /// <summary>
    /// With <c>postgres</c>: the Npgsql connection string of a role that may write the membership tables — never Better
    /// Auth's SELECT-only reader. Required with <c>postgres</c>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>With <c>postgres</c>: the schema holding the membership tables (<c>perms cluster migrate</c> creates it). Default <c>perms_orleans</c>.</summary>
    public string Schema { get; set; } = "perms_orleans";

    /// <summary>
    /// The IP address other silos reach this one on. Default: 127.0.0.1 with <c>localhost</c>; with <c>postgres</c>, the
    /// pod's IP in Kubernetes, else the host's first address (Orleans' default).
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>
    /// How long a silo waits for another's answer to a liveness probe (Orleans' <c>ProbeTimeout</c>). With
    /// <see cref="MissedProbesLimit"/> it sets how soon a dead silo is declared dead and its grains move. Default 5 s.
    /// </summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Probes a silo may miss before its prober votes it dead (Orleans' <c>NumMissedProbesLimit</c>). Default 3.</summary>
    public int MissedProbesLimit { get; set; } = 3;

    /// <summary>
    /// Where Orleans activates a UserGrain: <c>hash</c> (by a hash of the user id over the active silos: an even spread,
    /// the same silo for a key while the membership holds), <c>random</c>, <c>prefer-local</c> (the silo the first call
    /// arrived on) or <c>resource-optimized</c> (Orleans' default: by the silos' CPU and memory). Default <c>hash</c>
    /// (measured: docs/architecture.md, placement).
    /// </summary>
    public string Placement { get; set; } = "hash";

    /// <summary>Silos with the same cluster id form one cluster. Default <c>perms</c>.</summary>
    public string ClusterId { get; set; } = "perms";

    /// <summary>Stays the same across deployments of one service (Orleans' service id). Default <c>perms</c>.</summary>
    public string ServiceId { get; set; } = "perms";

    /// <summary>The port silos talk to each other on (Orleans' silo port). Default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>The port Orleans clients connect to; 0 for none (the gRPC gateway is in the silo). Default 0.</summary>
    public int GatewayPort { get; set; }

    /// <summary>
    /// Orleans sheds activations (least recently used first) when the process uses more than
    /// <see cref="MemoryUsageLimitPercentage"/> of the memory available to it, down to
    /// <see cref="MemoryUsageTargetPercentage"/>. Default on.
    /// </summary>
    public bool ShedActivationsOnMemoryPressure { get; set; } = true;

    /// <summary>Memory use (percent of the memory available to the process) above which activations are shed. Default 80.</summary>
    public double MemoryUsageLimitPercentage { get; set; } = 80;

    /// <summary>Memory use (percent) that shedding brings the process back to. Default 75.</summary>
    public double MemoryUsageTargetPercentage { get; set; } = 75;
}
