using System.Runtime;
using System.Runtime.InteropServices;

namespace Perms.LoadTest.Reporting;

/// <summary>The machine and runtime a run was measured on (these figures mean little without them).</summary>
/// <param name="MachineName">The host name.</param>
/// <param name="ProcessorCount">Logical processors available to the process.</param>
/// <param name="OperatingSystem">The OS description (e.g. <c>Ubuntu 24.04.1 LTS</c>).</param>
/// <param name="Runtime">The .NET runtime (e.g. <c>.NET 10.0.0</c>).</param>
/// <param name="Architecture">The process architecture (<c>X64</c>, <c>Arm64</c>).</param>
/// <param name="ServerGarbageCollector">Whether the client ran with the server GC.</param>
internal sealed record RunEnvironment(string MachineName, int ProcessorCount, string OperatingSystem, string Runtime, string Architecture, bool ServerGarbageCollector)
{
    /// <summary>This process's environment.</summary>
    public static RunEnvironment Current() => new(
        Environment.MachineName,
        Environment.ProcessorCount,
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.ProcessArchitecture.ToString(),
        GCSettings.IsServerGC);
}
