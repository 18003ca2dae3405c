namespace Perms.Silo.Configuration;

/// <summary>The Orleans silo this process runs (configuration section <c>Perms:Orleans</c>).</summary>
public sealed class OrleansSiloOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Perms:Orleans";

    /// <summary>Orleans' own floor for a collection age is above its collection quantum; Perms keeps at least this.</summary>
    public static readonly TimeSpan MinimumCollectionAge = TimeSpan.FromSeconds(2);

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
