using Perms.Grains.Data;
using Perms.Grains.Interfaces.Policy;
using Perms.Grains.Interfaces.State;

namespace Perms.Benchmarks;

/// <summary>
/// Synthesises Better Auth snapshots in memory: every user has three memberships among 100,000 organizations (as in
/// the 1,000,000-user dataset: about 30 members per organization), with Better Auth-shaped ids of 32 characters, so
/// benchmarks measure the runtime and not PostgreSQL. Every read returns new string instances, as Npgsql does.
/// </summary>
internal sealed class InMemoryReader : IBetterAuthReader
{
    private static readonly string[] Roles = ["member", "admin", "owner"];

    public static string UserId(int i) => $"user_{i:D27}";

    public static string OrganizationId(int i) => $"org_{i:D28}";

    /// <summary>The organization of the user's <paramref name="k"/>-th membership (k = 0, 1, 2: member, admin, owner).</summary>
    public static int OrganizationOf(int user, int k) => ((user * 7) + (k * 33_331)) % 100_000;

    public Task<UserSnapshot> ReadUserAsync(string userId, CancellationToken cancellationToken)
    {
        var n = int.Parse(userId.AsSpan(5), System.Globalization.CultureInfo.InvariantCulture);
        var memberships = Enumerable.Range(0, 3)
            .Select(k => new MembershipRecord(OrganizationId(OrganizationOf(n, k)), [new string(Roles[k].AsSpan())], []))
            .ToArray();
        return Task.FromResult(new UserSnapshot(userId, new UserRecord(userId, new string("user".AsSpan()), false, null), [.. memberships], DateTimeOffset.UtcNow));
    }

    public Task<OrganizationSnapshot> ReadOrganizationAsync(string organizationId, bool includeDynamicRoles, CancellationToken cancellationToken) =>
        Task.FromResult(new OrganizationSnapshot(organizationId, true, [], DateTimeOffset.UtcNow));
}
