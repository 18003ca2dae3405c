namespace Perms.Grains.Caching;

/// <summary>The grain runtime's log messages (a generic catalog cannot hold [LoggerMessage] methods itself).</summary>
internal static partial class GrainStateLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Loading {GrainType} {Key} failed ({Failures} in a row; calls fail fast until the back-off ends): {Reason}")]
    public static partial void LoadFailed(ILogger logger, string grainType, string key, int failures, string reason);
}
