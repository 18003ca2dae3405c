using Perms.Silo.Grains;

namespace Perms.UnitTests.Grains;

/// <summary>
/// An <see cref="IGrainInvalidator"/> over a set of "active" user grains and the organizations each belongs to:
/// records every call, drops what a real silo would drop, and counts the staleness marks.
/// </summary>
internal sealed class FakeGrainInvalidator : IGrainInvalidator
{
    public Dictionary<string, HashSet<string>> Users { get; } = new(StringComparer.Ordinal);

    public HashSet<string> Organizations { get; } = new(StringComparer.Ordinal);

    public List<string> Calls { get; } = [];

    public int StaleMarks { get; private set; }

    public void Activate(string userId, params string[] organizations) => Users[userId] = new HashSet<string>(organizations, StringComparer.Ordinal);

    public ValueTask<int> InvalidateUserAsync(string userId, bool deactivate = false)
    {
        Calls.Add($"user {userId}{(deactivate ? " deactivate" : "")}");
        return ValueTask.FromResult(Users.Remove(userId) ? 1 : 0);
    }

    public ValueTask<(int Organizations, int Members)> InvalidateOrganizationAsync(string organizationId, bool withMembers)
    {
        Calls.Add($"organization {organizationId}{(withMembers ? " with members" : "")}");
        var organization = Organizations.Remove(organizationId) ? 1 : 0;
        var members = 0;
        if (withMembers)
        {
            foreach (var user in Users.Where(u => u.Value.Contains(organizationId)).Select(u => u.Key).ToList())
            {
                Users.Remove(user);
                members++;
            }
        }

        return ValueTask.FromResult((organization, members));
    }

    public ValueTask<int> InvalidateUsersWhereAsync(Func<string, bool> predicate)
    {
        Calls.Add("users where");
        var keys = Users.Keys.Where(predicate).ToList();
        keys.ForEach(k => Users.Remove(k));
        return ValueTask.FromResult(keys.Count);
    }

    public ValueTask<(int Users, int Organizations)> InvalidateAllAsync()
    {
        Calls.Add("all");
        var result = (Users.Count, Organizations.Count);
        Users.Clear();
        Organizations.Clear();
        return ValueTask.FromResult(result);
    }

    public void MarkAllStale() => StaleMarks++;
}
