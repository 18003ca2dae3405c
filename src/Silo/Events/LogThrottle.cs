namespace Perms.Silo.Events;

/// <summary>
/// Lets one log line through per interval and counts the rest: a publisher sending garbage at thousands of
/// messages a second must not turn the log into the bottleneck.
/// </summary>
internal sealed class LogThrottle(TimeProvider time, TimeSpan interval)
{
    private long _next = long.MinValue;
    private long _suppressed;

    /// <summary>True when this line should be written; <paramref name="suppressed"/> says how many were skipped before it.</summary>
    public bool TryEnter(out long suppressed)
    {
        var now = time.GetTimestamp();
        var next = Volatile.Read(ref _next);
        if (now >= next && Interlocked.CompareExchange(ref _next, now + (long)(interval.TotalSeconds * time.TimestampFrequency), next) == next)
        {
            suppressed = Interlocked.Exchange(ref _suppressed, 0);
            return true;
        }

        Interlocked.Increment(ref _suppressed);
        suppressed = 0;
        return false;
    }
}
