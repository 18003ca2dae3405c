namespace Perms.Grains.Caching;

/// <summary>A failed load: the error callers get, how many loads failed in a row, and when the next may try.</summary>
/// <param name="Error">The mapped error.</param>
/// <param name="Count">Failures in a row.</param>
/// <param name="RetryAfter">Runtime timestamp before which calls fail fast with <paramref name="Error"/>.</param>
internal sealed record LoadFailure(Exception Error, int Count, long RetryAfter);
