using System.Diagnostics;
using Perms.LoadTest.Reporting;
using Perms.LoadTest.Running;

namespace Perms.UnitTests.LoadTest;

/// <summary>Realistic results without running load: outcomes fed to a recorder at made-up times.</summary>
internal static class SampleResults
{
    public static readonly LoadOptions Open = new(LoadMode.Open, 1000, 64, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1));

    public static readonly LoadOptions Closed = new(LoadMode.Closed, 0, 16, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1));

    /// <summary>
    /// A comparison of a fast target (with a few errors and wrong answers; open loop unless told) against a slow
    /// baseline (closed loop).
    /// </summary>
    public static RunReport Report(string fastTarget = "perms CheckPermission (warm)", LoadOptions? fastOptions = null)
    {
        var fast = Create(fastTarget, 87.3, 1000, 3, fastOptions ?? Open, errorsPerSecond: 3, wrongPerSecond: 1);
        var slow = Create("better-auth hasPermission (HTTP)", 7000, 50, 3, Closed);
        return RunReport.Create(
            "CheckPermission: Perms vs Better Auth",
            new DateTimeOffset(2025, 11, 22, 3, 4, 5, TimeSpan.Zero),
            new Dictionary<string, string> { ["dataset"] = "1000 users / 100 orgs", ["address"] = "http://127.0.0.1:5000" },
            [fast, slow],
            slow,
            "perms-loadtest compare --rate 1000");
    }

    public static LoadResult Create(string target, double medianMicros, int perSecond, int seconds, LoadOptions options, int errorsPerSecond = 0, int wrongPerSecond = 0)
    {
        var random = new Random(target.Length);
        var recorder = new LoadRecorder(0, seconds);
        var ticksPerMicro = Stopwatch.Frequency / 1e6;
        for (var second = 0; second < seconds; second++)
        {
            for (var i = 0; i < perSecond; i++)
            {
                var end = (long)((second + ((i + 0.5) / perSecond)) * Stopwatch.Frequency);
                var latency = medianMicros * Math.Exp(0.6 * NormalSample(random)) * (1 + second * 0.1);
                var outcome = i < wrongPerSecond ? new RequestResult(RequestOutcome.Wrong, $"user-{i} in org-{second}: expected deny") : RequestResult.Correct;
                var start = end - (long)(latency * ticksPerMicro);
                if (options.Mode == LoadMode.Open)
                {
                    recorder.RecordStartDelay(start, start + (long)(random.Next(2, 40) * ticksPerMicro));
                }

                recorder.Record(outcome, start, end);
            }

            for (var i = 0; i < errorsPerSecond; i++)
            {
                recorder.RecordError(i % 3 == 0 ? "UNAVAILABLE" : "overload", (long)((second + 0.5) * Stopwatch.Frequency));
            }
        }

        return recorder.ToResult(target, options, TimeSpan.FromSeconds(seconds));
    }

    private static double NormalSample(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
