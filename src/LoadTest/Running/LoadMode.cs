namespace Perms.LoadTest.Running;

/// <summary>How requests are issued.</summary>
internal enum LoadMode
{
    /// <summary>
    /// Open loop: requests start at a constant arrival rate whatever the answers do; latency is measured from each
    /// request's intended start time, so queueing delay is not hidden (no coordinated omission).
    /// </summary>
    Open,

    /// <summary>Closed loop: a fixed number of workers, each sending its next request when the previous one is answered (maximum throughput).</summary>
    Closed,
}
