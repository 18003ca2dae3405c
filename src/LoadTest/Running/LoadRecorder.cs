using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Perms.LoadTest.Running;

/// <summary>
/// The measurements of one part of a phase (the warm-up or the measured part): outcome counts, errors by label, a few
/// wrong answers, the latency histogram and, for the measured part, one set of counters and a histogram per second.
/// Thread-safe; recording an outcome allocates nothing except the first time an error label or a wrong answer is seen.
/// </summary>
internal sealed class LoadRecorder
{
    /// <summary>How many wrong answers are kept as examples.</summary>
    public const int MaxWrongExamples = 10;

    /// <summary>Buckets per power of two of the per-second histograms: 1.6% error is plenty for a chart, and 8.5 KiB a second keeps hour-long runs small.</summary>
    private const int TimelineSubBucketBits = 5;

    private static readonly double NanosPerTick = 1e9 / Stopwatch.Frequency;

    private readonly long _startTimestamp;
    private readonly LatencyHistogram _latency = new();
    private readonly LatencyHistogram _startDelay = new();
    private readonly long[] _answeredPerSecond;
    private readonly long[] _errorsPerSecond;
    private readonly long[] _wrongPerSecond;
    private readonly LatencyHistogram[] _latencyPerSecond;
    private readonly ConcurrentDictionary<string, StrongBox<long>> _errorsByDetail = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _wrongExamples = new();
    private long _correct;
    private long _wrong;
    private long _errors;
    private int _wrongExamplesTaken;
    private volatile bool _closed;

    /// <summary>Creates a recorder whose second 0 begins at <paramref name="startTimestamp"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    /// <param name="startTimestamp">When the part begins.</param>
    /// <param name="seconds">Timeline length in seconds (0: no timeline). Later outcomes count in the last second.</param>
    public LoadRecorder(long startTimestamp, int seconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(seconds);
        _startTimestamp = startTimestamp;
        _answeredPerSecond = new long[seconds];
        _errorsPerSecond = new long[seconds];
        _wrongPerSecond = new long[seconds];
        _latencyPerSecond = new LatencyHistogram[seconds];
        for (var i = 0; i < seconds; i++)
        {
            _latencyPerSecond[i] = new LatencyHistogram(TimelineSubBucketBits);
        }
    }

    /// <summary>The latency histogram of answered requests (correct or wrong).</summary>
    public LatencyHistogram Latency => _latency;

    /// <summary>Correct answers so far.</summary>
    public long Correct => Volatile.Read(ref _correct);

    /// <summary>Wrong answers so far.</summary>
    public long Wrong => Volatile.Read(ref _wrong);

    /// <summary>Errors so far.</summary>
    public long Errors => Volatile.Read(ref _errors);

    /// <summary>Every outcome recorded so far.</summary>
    public long Total => Correct + Wrong + Errors;

    /// <summary>
    /// Records how a request ended. Latency (answered requests only) runs from <paramref name="startTimestamp"/> — the
    /// intended start in an open loop — to <paramref name="endTimestamp"/>, which also picks the timeline second.
    /// </summary>
    public void Record(RequestResult result, long startTimestamp, long endTimestamp)
    {
        if (_closed)
        {
            return;
        }

        switch (result.Outcome)
        {
            case RequestOutcome.Correct:
                Interlocked.Increment(ref _correct);
                RecordAnswer(startTimestamp, endTimestamp);
                break;
            case RequestOutcome.Wrong:
                Interlocked.Increment(ref _wrong);
                RecordAnswer(startTimestamp, endTimestamp);
                var wrongSecond = Second(endTimestamp);
                if (wrongSecond >= 0)
                {
                    Interlocked.Increment(ref _wrongPerSecond[wrongSecond]);
                }

                if (Interlocked.Increment(ref _wrongExamplesTaken) <= MaxWrongExamples)
                {
                    _wrongExamples.Enqueue(result.Detail ?? "wrong answer");
                }

                break;
            default:
                RecordError(result.Detail ?? "error", endTimestamp);
                break;
        }
    }

    /// <summary>Records a request that was not answered (or not sent: <c>overload</c>), labelled <paramref name="detail"/>.</summary>
    public void RecordError(string detail, long timestamp)
    {
        if (_closed)
        {
            return;
        }

        Interlocked.Increment(ref _errors);
        Interlocked.Increment(ref _errorsByDetail.GetOrAdd(detail, static _ => new StrongBox<long>()).Value);
        var second = Second(timestamp);
        if (second >= 0)
        {
            Interlocked.Increment(ref _errorsPerSecond[second]);
        }
    }

    /// <summary>
    /// Records how late an open-loop request was actually sent: from its intended start to the call of the target
    /// (the scheduler's and the thread pool's delay, which its latency includes).
    /// </summary>
    public void RecordStartDelay(long intendedTimestamp, long sentTimestamp)
    {
        if (!_closed)
        {
            _startDelay.Record((long)((sentTimestamp - intendedTimestamp) * NanosPerTick));
        }
    }

    /// <summary>Ignores outcomes recorded from now on (requests abandoned at the end of a phase that answer late).</summary>
    public void Close() => _closed = true;

    /// <summary>The measurements as a <see cref="LoadResult"/>; the timeline keeps its first ⌈<paramref name="elapsed"/>⌉ seconds.</summary>
    public LoadResult ToResult(string target, LoadOptions options, TimeSpan elapsed)
    {
        var counts = new long[_latency.BucketCount];
        var total = _latency.CopyCounts(counts);
        var latency = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["p50"] = _latency.PercentileMicros(50, counts, total),
            ["p90"] = _latency.PercentileMicros(90, counts, total),
            ["p99"] = _latency.PercentileMicros(99, counts, total),
            ["p99.9"] = _latency.PercentileMicros(99.9, counts, total),
            ["max"] = _latency.MaxMicros,
            ["mean"] = _latency.MeanMicros,
        };

        var seconds = Math.Clamp((int)Math.Ceiling(elapsed.TotalSeconds - 1e-9), 1, Math.Max(_answeredPerSecond.Length, 1));
        var timeline = new List<TimelinePoint>(seconds);
        var secondCounts = _latencyPerSecond.Length > 0 ? new long[_latencyPerSecond[0].BucketCount] : [];
        for (var i = 0; i < Math.Min(seconds, _answeredPerSecond.Length); i++)
        {
            var histogram = _latencyPerSecond[i];
            var secondTotal = histogram.CopyCounts(secondCounts);
            timeline.Add(new TimelinePoint(
                i,
                Volatile.Read(ref _answeredPerSecond[i]),
                Volatile.Read(ref _errorsPerSecond[i]),
                Volatile.Read(ref _wrongPerSecond[i]),
                histogram.PercentileMicros(50, secondCounts, secondTotal),
                histogram.PercentileMicros(99, secondCounts, secondTotal)));
        }

        var errorsByDetail = _errorsByDetail
            .OrderByDescending(pair => pair.Value.Value)
            .ThenBy(pair => pair.Key, StringComparer.Ordinal)
            .ToDictionary(pair => pair.Key, pair => Volatile.Read(ref pair.Value.Value), StringComparer.Ordinal);
        var startDelay = _startDelay.Count == 0 ? null : new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["p50"] = _startDelay.PercentileMicros(50),
            ["p99"] = _startDelay.PercentileMicros(99),
            ["max"] = _startDelay.MaxMicros,
        };
        return new LoadResult(target, options, elapsed, Correct, Wrong, Errors, errorsByDetail, [.. _wrongExamples], latency, _latency.Buckets(), timeline)
        {
            StartDelay = startDelay,
        };
    }

    private void RecordAnswer(long startTimestamp, long endTimestamp)
    {
        var nanos = (long)((endTimestamp - startTimestamp) * NanosPerTick);
        _latency.Record(nanos);
        var second = Second(endTimestamp);
        if (second >= 0)
        {
            Interlocked.Increment(ref _answeredPerSecond[second]);
            _latencyPerSecond[second].Record(nanos);
        }
    }

    /// <summary>The timeline second of <paramref name="timestamp"/>, clamped into the timeline; -1 without one.</summary>
    private int Second(long timestamp)
    {
        if (_answeredPerSecond.Length == 0)
        {
            return -1;
        }

        var second = (timestamp - _startTimestamp) / Stopwatch.Frequency;
        return (int)Math.Clamp(second, 0, _answeredPerSecond.Length - 1);
    }
}
