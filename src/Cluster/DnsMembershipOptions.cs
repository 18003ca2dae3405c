namespace Perms.Cluster;

/// <summary>Options of <see cref="DnsMembershipProvider"/>.</summary>
public sealed class DnsMembershipOptions
{
    /// <summary>
    /// The name that resolves to every silo, e.g. the Kubernetes headless Service
    /// <c>perms-silo.perms.svc.cluster.local</c>. Required.
    /// </summary>
    public string HostName { get; set; } = string.Empty;

    /// <summary>
    /// The port of every silo's endpoint (DNS A/AAAA records carry no port). Default 50051, the silos' default
    /// <c>Perms:Server:Port</c>.
    /// </summary>
    public int Port { get; set; } = 50051;

    /// <summary>How often the name is resolved again. Default 5 seconds.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);
}
