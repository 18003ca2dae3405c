using System.Collections.Concurrent;
using Perms.Grains.Data;
using Perms.Grains.Interfaces.State;

namespace Perms.UnitTests.Runtime;

/// <summary>An in-memory <see cref="IBetterAuthReader"/> that counts its reads.</summary>
internal sealed class FakeBetterAuthReader : IBetterAuthReader
{
    private int _userReads;
    private int _organizationReads;

    public ConcurrentDictionary<string, UserSnapshot> Users { get; } = new();

    public ConcurrentDictionary<string, OrganizationSnapshot> Organizations { get; } = new();

    public int UserReads => Volatile.Read(ref _userReads);

    public int OrganizationReads => Volatile.Read(ref _organizationReads);

    public Task<UserSnapshot> ReadUserAsync(string userId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _userReads);
        return Task.FromResult(Users.TryGetValue(userId, out var user) ? user : new UserSnapshot(userId, null, [], DateTimeOffset.UnixEpoch));
    }

    public Task<OrganizationSnapshot> ReadOrganizationAsync(string organizationId, bool includeDynamicRoles, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _organizationReads);
        var organization = Organizations.TryGetValue(organizationId, out var found) ? found : new OrganizationSnapshot(organizationId, false, [], DateTimeOffset.UnixEpoch);
        return Task.FromResult(includeDynamicRoles ? organization : organization with { DynamicRoles = [] });
    }
}
