namespace Perms.LoadTest.Running;

/// <summary>One load phase.</summary>
/// <param name="Mode">Open or closed loop.</param>
/// <param name="Rate">Open loop: requests per second (intended arrival rate). Ignored in closed loop.</param>
/// <param name="Concurrency">Closed loop: workers. Open loop: the most requests in flight at once; arrivals beyond it are counted as errors (<c>overload</c>) rather than silently delayed.</param>
/// <param name="Duration">How long the measured part lasts.</param>
/// <param name="WarmUp">How long the same load runs first, unmeasured.</param>
internal sealed record LoadOptions(LoadMode Mode, double Rate, int Concurrency, TimeSpan Duration, TimeSpan WarmUp);
