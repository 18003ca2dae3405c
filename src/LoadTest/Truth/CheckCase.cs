namespace Perms.LoadTest.Truth;

/// <summary>One organization permission check and the answer the ground truth expects.</summary>
/// <param name="UserIndex">The generated user's index (its id is <c>DatasetSpec.UserId(UserIndex)</c>).</param>
/// <param name="OrganizationIndex">The generated organization's index.</param>
/// <param name="Permissions">The permissions asked about, resource → actions, all required (one role must grant every one).</param>
/// <param name="Expected">The answer Better Auth gives on the generated data (Perms' deny mode for bans, as configured for the harness).</param>
internal sealed record CheckCase(long UserIndex, int OrganizationIndex, IReadOnlyDictionary<string, string[]> Permissions, bool Expected)
{
    /// <summary>A check of one resource and one action.</summary>
    /// <param name="userIndex">The generated user's index.</param>
    /// <param name="organizationIndex">The generated organization's index.</param>
    /// <param name="resource">The resource asked about.</param>
    /// <param name="action">The action asked about.</param>
    /// <param name="expected">The answer the ground truth expects.</param>
    public CheckCase(long userIndex, int organizationIndex, string resource, string action, bool expected)
        : this(userIndex, organizationIndex, Single(resource, action), expected)
    {
    }

    /// <summary>The user id.</summary>
    public string UserId => Generation.DatasetSpec.UserId(UserIndex);

    /// <summary>The organization id.</summary>
    public string OrganizationId => Generation.DatasetSpec.OrganizationId(OrganizationIndex);

    /// <summary>How many actions are asked about, over all resources.</summary>
    public int ActionCount => Permissions.Values.Sum(actions => actions.Length);

    /// <summary>The permissions for messages: <c>member:create team:create</c>, <c>team:create,update</c>.</summary>
    public string PermissionText => string.Join(" ", Permissions.Select(p => $"{p.Key}:{string.Join(",", p.Value)}"));

    /// <summary>A map of one resource and one action.</summary>
    public static IReadOnlyDictionary<string, string[]> Single(string resource, string action) =>
        new Dictionary<string, string[]>(1, StringComparer.Ordinal) { [resource] = [action] };

    /// <inheritdoc />
    public bool Equals(CheckCase? other) =>
        other is not null
        && UserIndex == other.UserIndex
        && OrganizationIndex == other.OrganizationIndex
        && Expected == other.Expected
        && Permissions.Count == other.Permissions.Count
        && Permissions.All(p => other.Permissions.TryGetValue(p.Key, out var actions) && p.Value.SequenceEqual(actions));

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(
        UserIndex,
        OrganizationIndex,
        Expected,
        Permissions.Aggregate(0, (hash, p) => hash ^ HashCode.Combine(p.Key, string.Join(",", p.Value))));
}
