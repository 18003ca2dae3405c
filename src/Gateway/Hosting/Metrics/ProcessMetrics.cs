using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Perms.Gateway.Hosting.Metrics;

/// <summary>
/// The process's instruments (meter <c>Perms.Process</c>), all observed at scrape time: working set, GC heap size, GC
/// collections by generation, allocated bytes, CPU time, thread-pool threads and queue length, uptime.
/// </summary>
public sealed class ProcessMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Perms.Process";

    private static readonly KeyValuePair<string, object?>[] Generations =
        [new("gc.generation", "gen0"), new("gc.generation", "gen1"), new("gc.generation", "gen2")];

    private readonly DateTime _started = StartTime();

    /// <summary>Creates the instruments on a meter of <paramref name="meterFactory"/> (or a standalone meter when null).</summary>
    public ProcessMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        meter.CreateObservableGauge("perms.process.memory.working_set", static () => Environment.WorkingSet, unit: "By", description: "The process's working set (physical memory in use).");
        meter.CreateObservableGauge("perms.process.gc.heap_size", static () => GC.GetGCMemoryInfo().HeapSizeBytes, unit: "By", description: "The managed heap's size after the last garbage collection (including fragmentation).");
        meter.CreateObservableGauge("perms.process.gc.total_memory", static () => GC.GetTotalMemory(forceFullCollection: false), unit: "By", description: "Bytes currently thought to be allocated on the managed heap.");
        meter.CreateObservableCounter("perms.process.gc.collections", static () => Collections(), description: "Garbage collections since the process started, by generation (a gen2 collection counts in gen1 and gen0 too).");
        meter.CreateObservableCounter("perms.process.gc.allocated", static () => GC.GetTotalAllocatedBytes(precise: false), unit: "By", description: "Bytes allocated on the managed heap since the process started.");
        meter.CreateObservableCounter("perms.process.cpu.time", static () => Environment.CpuUsage.TotalTime.TotalSeconds, unit: "s", description: "CPU time used by the process (user and kernel).");
        meter.CreateObservableGauge("perms.process.thread_pool.threads", static () => ThreadPool.ThreadCount, description: "Thread-pool threads.");
        meter.CreateObservableGauge("perms.process.thread_pool.queue_length", static () => ThreadPool.PendingWorkItemCount, description: "Work items queued to the thread pool and not yet started.");
        meter.CreateObservableGauge("perms.process.uptime", () => (DateTime.UtcNow - _started).TotalSeconds, unit: "s", description: "Seconds since the process started.");
    }

    private static DateTime StartTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.StartTime.ToUniversalTime();
    }

    private static IEnumerable<Measurement<long>> Collections()
    {
        for (var generation = 0; generation < Generations.Length; generation++)
        {
            yield return new Measurement<long>(GC.CollectionCount(generation), Generations[generation]);
        }
    }
}
