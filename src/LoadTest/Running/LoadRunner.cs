namespace Perms.LoadTest.Running;

/// <summary>Runs one load phase against one target: warm-up, then the measured part; open or closed loop.</summary>
internal static class LoadRunner
{
    /// <summary>
    /// Prepares <paramref name="target"/>, runs the warm-up and the measured part, and returns the measurements.
    /// <paramref name="progress"/> gets a snapshot about once a second.
    /// </summary>
    public static Task<LoadResult> RunAsync(ILoadTarget target, LoadOptions options, IProgress<LoadSnapshot>? progress, CancellationToken cancellationToken) =>
        throw new NotImplementedException("being built (issue #7)");
}
