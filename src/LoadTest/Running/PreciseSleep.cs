using System.Runtime.InteropServices;

namespace Perms.LoadTest.Running;

/// <summary>
/// Sleeps for tens of microseconds without burning a core: .NET's <see cref="Thread.Sleep(int)"/> has a millisecond
/// granularity, and spinning instead takes one of the two cores the silo under test needs. On Linux, nanosleep wakes
/// within the kernel's timer slack (50 µs by default).
/// </summary>
internal static class PreciseSleep
{
    private static readonly bool Available = OperatingSystem.IsLinux();

    /// <summary>Whether sub-millisecond sleeps are available (Linux).</summary>
    public static bool IsAvailable => Available;

    /// <summary>Sleeps about <paramref name="ticks"/> Stopwatch ticks (at least the timer slack); false when unavailable.</summary>
    public static bool Sleep(long ticks)
    {
        if (!Available)
        {
            return false;
        }

        var nanoseconds = (long)(ticks * (1_000_000_000.0 / System.Diagnostics.Stopwatch.Frequency));
        var request = new Timespec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
        // An interrupted sleep (EINTR) just returns early: the caller re-checks the clock.
        _ = NanoSleep(ref request, IntPtr.Zero);
        return true;
    }

    // DllImport rather than LibraryImport: the source-generated form needs unsafe code for a by-ref struct, and this
    // one blittable call does not justify turning unsafe code on for the project.
    [DllImport("libc", EntryPoint = "nanosleep")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int NanoSleep(ref Timespec request, IntPtr remaining);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
