using Perms.Grains.Interfaces.Admin;
using Perms.Grains.Policy;

namespace Perms.UnitTests.Gateway.Admin;

/// <summary>An <see cref="ISiloAdministration"/> that records what it was asked and answers what the test set.</summary>
internal sealed class FakeSiloAdministration : ISiloAdministration
{
    public List<string> Calls { get; } = [];

    public HashSet<string> ActiveUsers { get; } = new(StringComparer.Ordinal);

    public LoadedPolicyInfo Policy { get; set; } = new("/etc/perms/policy.json", "{}\n"u8.ToArray(), "abc123", new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero), BetterAuthDefaults.Policy);

    public ClusterMembers Cluster { get; set; } = new("localhost", 1, "127.0.0.1:11111@1", [new MemberSilo("127.0.0.1:11111@1", "silo", true, true)]);

    public ValueTask<IReadOnlyList<ActivationSummary>> ListActivationsAsync(int sampleSize)
    {
        Calls.Add($"list {sampleSize}");
        return ValueTask.FromResult<IReadOnlyList<ActivationSummary>>(
        [
            new("user", ActiveUsers.Count, 100L * ActiveUsers.Count, [.. ActiveUsers.Order(StringComparer.Ordinal).Take(sampleSize)]),
            new("organization", 1, 50, sampleSize > 0 ? ["acme"] : []),
        ]);
    }

    public ClusterMembers GetCluster() => Cluster;

    public ValueTask<bool> DeactivateUserAsync(string userId)
    {
        Calls.Add($"deactivate-user {userId}");
        return ValueTask.FromResult(ActiveUsers.Remove(userId));
    }

    public ValueTask<OrganizationDeactivation> DeactivateOrganizationAsync(string organizationId)
    {
        Calls.Add($"deactivate-organization {organizationId}");
        return ValueTask.FromResult(new OrganizationDeactivation(true, 3));
    }

    public ValueTask<FlushResult> FlushAllAsync()
    {
        Calls.Add("flush");
        var users = ActiveUsers.Count;
        ActiveUsers.Clear();
        return ValueTask.FromResult(new FlushResult(users, 1));
    }
}
