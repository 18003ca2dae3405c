using System.Net;

namespace Perms.UnitTests.Cluster;

/// <summary>A DNS that answers what the test sets, or fails when told to, and counts the lookups.</summary>
public sealed class FakeResolver
{
    private volatile IPAddress[] _answer = [];
    private volatile Exception? _failure;
    private int _lookups;

    public int Lookups => Volatile.Read(ref _lookups);

    public string? LastHostName { get; private set; }

    public void Answer(params string[] addresses)
    {
        _failure = null;
        _answer = [.. addresses.Select(IPAddress.Parse)];
    }

    public void Fail(Exception failure) => _failure = failure;

    public Task<IPAddress[]> ResolveAsync(string hostName, CancellationToken cancellationToken)
    {
        LastHostName = hostName;
        Interlocked.Increment(ref _lookups);
        return _failure is { } failure ? Task.FromException<IPAddress[]>(failure) : Task.FromResult(_answer);
    }
}
