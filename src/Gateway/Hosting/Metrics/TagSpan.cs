namespace Perms.Gateway.Hosting.Metrics;

/// <summary>The tags of one measurement as the listener hands them over: looked up without allocating.</summary>
internal readonly ref struct TagSpan(ReadOnlySpan<KeyValuePair<string, object?>> tags)
{
    public ReadOnlySpan<KeyValuePair<string, object?>> Tags { get; } = tags;
}
