using System.Globalization;

namespace Perms.Grpc.Internal;

/// <summary>The <c>grpc-timeout</c> header: at most 8 ASCII digits and a unit (H, M, S, m, u, n).</summary>
internal static class GrpcTimeout
{
    /// <summary>The largest value the header can carry.</summary>
    private const long MaxValue = 99_999_999;

    /// <summary>Parses a <c>grpc-timeout</c> value; false when it is malformed (empty, more than 8 digits, no or unknown unit).</summary>
    public static bool TryParse(ReadOnlySpan<char> value, out TimeSpan timeout)
    {
        timeout = default;
        if (value.Length is < 2 or > 9)
        {
            return false;
        }

        long amount = 0;
        foreach (var c in value[..^1])
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            amount = (amount * 10) + (c - '0');
        }

        // 99,999,999 hours is 3.6e18 ticks: under long.MaxValue, so no unit overflows.
        long ticks;
        switch (value[^1])
        {
            case 'H':
                ticks = amount * TimeSpan.TicksPerHour;
                break;
            case 'M':
                ticks = amount * TimeSpan.TicksPerMinute;
                break;
            case 'S':
                ticks = amount * TimeSpan.TicksPerSecond;
                break;
            case 'm':
                ticks = amount * TimeSpan.TicksPerMillisecond;
                break;
            case 'u':
                ticks = amount * TimeSpan.TicksPerMicrosecond;
                break;
            case 'n':
                // Round up: a positive timeout never becomes zero.
                ticks = (amount + 99) / 100;
                break;
            default:
                return false;
        }

        timeout = TimeSpan.FromTicks(ticks);
        return true;
    }

    /// <summary>
    /// Formats a positive timeout in the finest unit that fits 8 digits, rounded up so that the server's deadline is never
    /// earlier than the client's.
    /// </summary>
    public static string Format(TimeSpan timeout)
    {
        var ticks = Math.Max(timeout.Ticks, 1);
        var micros = CeilingDivide(ticks, TimeSpan.TicksPerMicrosecond);
        if (micros <= MaxValue)
        {
            return micros.ToString(CultureInfo.InvariantCulture) + "u";
        }

        var millis = CeilingDivide(ticks, TimeSpan.TicksPerMillisecond);
        if (millis <= MaxValue)
        {
            return millis.ToString(CultureInfo.InvariantCulture) + "m";
        }

        var seconds = CeilingDivide(ticks, TimeSpan.TicksPerSecond);
        if (seconds <= MaxValue)
        {
            return seconds.ToString(CultureInfo.InvariantCulture) + "S";
        }

        var minutes = CeilingDivide(ticks, TimeSpan.TicksPerMinute);
        if (minutes <= MaxValue)
        {
            return minutes.ToString(CultureInfo.InvariantCulture) + "M";
        }

        return Math.Min(CeilingDivide(ticks, TimeSpan.TicksPerHour), MaxValue).ToString(CultureInfo.InvariantCulture) + "H";
    }

    private static long CeilingDivide(long value, long divisor) => (value / divisor) + (value % divisor == 0 ? 0 : 1);
}
