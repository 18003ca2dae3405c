namespace Perms.Grains.Caching;

/// <summary>State a grain loads from Better Auth's tables and keeps in memory.</summary>
public interface ILoadedState
{
    /// <summary>Approximate bytes the state keeps alive (the <c>perms_grain_estimated_bytes</c> metric, the admin API).</summary>
    int EstimatedBytes { get; }
}
