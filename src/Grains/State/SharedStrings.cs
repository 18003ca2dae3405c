using System.Collections.Concurrent;

namespace Perms.Grains.State;

/// <summary>
/// A bounded intern pool for strings many grains repeat — organization ids (shared by every member's UserGrain) and
/// stored role strings. With a million users in memory, one instance per distinct value instead of one per row is
/// the difference between fitting the per-grain memory target and not. Past its capacity it stops adding, so it
/// cannot grow without bound; ids of deleted organizations stay until the process restarts (bounded by the capacity).
/// </summary>
internal static class SharedStrings
{
    private const int Capacity = 2_000_000;

    private static readonly ConcurrentDictionary<string, string> Pool = new(StringComparer.Ordinal);

    public static string Intern(string value)
    {
        if (Pool.TryGetValue(value, out var shared))
        {
            return shared;
        }

        return Pool.Count < Capacity ? Pool.GetOrAdd(value, value) : value;
    }

    public static string? InternNullable(string? value) => value is null ? null : Intern(value);
}
