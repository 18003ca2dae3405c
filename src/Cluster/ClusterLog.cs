using Microsoft.Extensions.Logging;

namespace Perms.Cluster;

/// <summary>The cluster's log messages.</summary>
internal static partial class ClusterLog
{
    [LoggerMessage(1, LogLevel.Information, "Cluster view changed to {View}.")]
    public static partial void ViewChanged(this ILogger logger, ClusterView view);

    [LoggerMessage(2, LogLevel.Warning,
        "Resolving {HostName} failed; keeping the last good view {View}. Check that the headless Service exists and its pods are ready.")]
    public static partial void DnsResolutionFailed(this ILogger logger, Exception exception, string hostName, ClusterView view);

    [LoggerMessage(3, LogLevel.Warning,
        "{HostName} resolved to no address; keeping the last good view {View}. Check that the headless Service selects the silo pods.")]
    public static partial void DnsResolvedNothing(this ILogger logger, string hostName, ClusterView view);

    [LoggerMessage(4, LogLevel.Warning,
        "The membership heartbeat of {Self} failed; keeping the last good view {View}. Check that PostgreSQL is reachable (and, for an observer, that a silo has created the table).")]
    public static partial void HeartbeatFailed(this ILogger logger, Exception exception, string self, ClusterView view);

    [LoggerMessage(5, LogLevel.Error, "A membership refresh failed unexpectedly; the next interval tries again.")]
    public static partial void RefreshFailed(this ILogger logger, Exception exception);
}
