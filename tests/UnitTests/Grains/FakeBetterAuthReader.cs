using System.Collections.Concurrent;
using Perms.Grains.Data;
using Perms.Grains.Interfaces.State;

namespace Perms.UnitTests.Grains;

/// <summary>An in-memory <see cref="IBetterAuthReader"/> that counts its reads.</summary>
internal sealed class FakeBetterAuthReader : IBetterAuthReader
{
    private int _userReads;
    private int _organizationReads;

    public ConcurrentDictionary<string, UserSnapshot> Users { get; } = new();

    public ConcurrentDictionary<string, OrganizationSnapshot> Organizations { get; } = new();

    private readonly TaskCompletionSource _gatedReadStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int UserReads => Volatile.Read(ref _userReads);

    /// <summary>When set, a user read takes its snapshot, then waits for this task before returning it (a slow read of old data).</summary>
    public Func<Task>? BeforeRead { get; set; }

    /// <summary>Completes once a read is waiting on <see cref="BeforeRead"/>.</summary>
    public Task WaitForReadAsync() => _gatedReadStarted.Task;

    public int OrganizationReads => Volatile.Read(ref _organizationReads);

    public async Task<UserSnapshot> ReadUserAsync(string userId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _userReads);
        var snapshot = Users.TryGetValue(userId, out var user) ? user : new UserSnapshot(userId, null, [], DateTimeOffset.UnixEpoch);
        if (BeforeRead is { } gate)
        {
            _gatedReadStarted.TrySetResult();
            await gate().ConfigureAwait(false);
        }

        return snapshot;
    }

    public Task<OrganizationSnapshot> ReadOrganizationAsync(string organizationId, bool includeDynamicRoles, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _organizationReads);
        var organization = Organizations.TryGetValue(organizationId, out var found) ? found : new OrganizationSnapshot(organizationId, false, [], DateTimeOffset.UnixEpoch);
        return Task.FromResult(includeDynamicRoles ? organization : organization with { DynamicRoles = [] });
    }
}
