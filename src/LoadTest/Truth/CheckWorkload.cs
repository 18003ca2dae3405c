using System.Collections.Concurrent;
using System.Diagnostics;
using Perms.LoadTest.Generation;

namespace Perms.LoadTest.Truth;

/// <summary>
/// The harness's checks over a generated dataset, each a pure function of (seed, sequence): about 80% ask a member
/// about one (resource, action) of the policy's statements in one of their organizations (every pair of the policy, so
/// allowed and denied answers mix: an owner passes nearly all, a plain member one or two), 10% ask a user about an
/// organization they do not belong to, 10% ask a banned user about one of their organizations. 15% of member cases ask
/// for two permissions at once: two thirds straddle the member's roles when they can (one action only one of the roles
/// grants, one only another grants, so a rule combining roles would allow what Better Auth denies; the random workload
/// picks such a membership, e.g. <c>member,auditor</c> in an organization with dynamic roles), the rest two actions on
/// one resource. Expected answers come
/// from the oracle over the generated data; role changes made during the run (<see cref="Changes"/>) widen what
/// <see cref="IsAcceptable(CheckCase, bool)"/> accepts while they propagate. Thread-safe.
/// </summary>
internal sealed class CheckWorkload : ICheckWorkload
{
    private const int MemberShare = 80;
    private const int NonMemberShare = 10;
    private const int Attempts = 16;
    private const int MultiShare = 15;
    private const int StraddleShare = 10;

    private readonly DatasetModel _model;
    private readonly ulong _seed;
    private readonly bool _usersInOrder;
    private readonly (string Resource, string Action)[] _permissions;
    private readonly (string Resource, string[] Actions)[] _resourcesWithSeveralActions;
    private readonly ConcurrentDictionary<(string Role, DynamicRoleSet Roles), (int First, int Second)[]> _straddlingPairs = new();
    private readonly MembershipRow[] _straddlers;
    private long _answersOnChanged;
    private long _answersReflectingChanges;

    /// <summary>Random users, each sequence independent of the others.</summary>
    /// <param name="model">The dataset.</param>
    /// <param name="seed">Seed of the choices (the same seed gives the same checks).</param>
    public CheckWorkload(DatasetModel model, int seed = 7)
        : this(model, seed, usersInOrder: false)
    {
    }

    private CheckWorkload(DatasetModel model, int seed, bool usersInOrder)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _seed = unchecked((ulong)seed);
        _usersInOrder = usersInOrder;
        _permissions = [.. model.Oracle.Permissions];
        if (_permissions.Length == 0)
        {
            throw new ArgumentException($"{model.Oracle.Source} declares no organization statements to ask about", nameof(model));
        }

        _resourcesWithSeveralActions = [.. _permissions.GroupBy(p => p.Resource).Where(g => g.Count() > 1).Select(g => (g.Key, g.Select(p => p.Action).ToArray()))];
        // Found before any request: a scan of every membership would stall the first request that needs one.
        _straddlers = FindStraddlers();
    }

    /// <summary>The dataset.</summary>
    public DatasetModel Model => _model;

    /// <summary>The role changes made during the run (the mix scenario's driver records them here).</summary>
    public RoleChangeLog Changes { get; } = new();

    /// <summary>Answers judged for memberships that changed during the run.</summary>
    public long AnswersOnChangedMemberships => Interlocked.Read(ref _answersOnChanged);

    /// <summary>Of those, accepted answers that differ from the generated data's: the silo showed a change.</summary>
    public long AnswersReflectingChanges => Interlocked.Read(ref _answersReflectingChanges);

    /// <summary>
    /// A workload whose request n asks about user n (modulo the users): until it wraps, every check is the first for
    /// its user, which makes a fresh silo activate (load) a user grain per check — the <c>cold</c> scenario. The user's
    /// organization and the permission are chosen as in the random workload; about 10% ask about an organization the
    /// user is not in; users without memberships ask as non-members; banned users come in their turn (1%).
    /// </summary>
    public static CheckWorkload InUserOrder(DatasetModel model, int seed = 7) => new(model, seed, usersInOrder: true);

    /// <inheritdoc />
    public CheckCase Get(long sequence)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        var kind = (int)(Hash(sequence, 0) % 100);
        if (_usersInOrder)
        {
            var user = sequence % _model.UserCount;
            return kind < 100 - NonMemberShare && _model.MembershipCount(user) > 0 ? Member(user, sequence, mayPickStraddler: false) : NonMember(user, sequence);
        }

        if (kind < MemberShare || (kind >= MemberShare + NonMemberShare && _model.BannedUsers.Count == 0))
        {
            for (var attempt = 0; attempt < Attempts; attempt++)
            {
                var user = (long)(Hash(sequence, 1 + attempt) % (ulong)_model.UserCount);
                if (_model.MembershipCount(user) > 0)
                {
                    return Member(user, sequence, mayPickStraddler: true);
                }
            }
        }
        else if (kind >= MemberShare + NonMemberShare)
        {
            var user = _model.BannedUsers[(int)(Hash(sequence, 1) % (ulong)_model.BannedUsers.Count)];
            return _model.MembershipCount(user) > 0 ? Member(user, sequence, mayPickStraddler: false) : NonMember(user, sequence);
        }

        return NonMember((long)(Hash(sequence, 1) % (ulong)_model.UserCount), sequence);
    }

    /// <inheritdoc />
    public bool IsAcceptable(CheckCase check, bool allowed)
    {
        var now = Stopwatch.GetTimestamp();
        return IsAcceptable(check, allowed, now, freshRead: false);
    }

    /// <inheritdoc />
    public bool IsAcceptable(CheckCase check, bool allowed, long sentAt, bool freshRead)
    {
        ArgumentNullException.ThrowIfNull(check);
        var answeredAt = Stopwatch.GetTimestamp();
        var roles = new List<string?>(2);
        if (!Changes.TryGetPossibleRoles(check.UserIndex, check.OrganizationIndex, Math.Min(sentAt, answeredAt), answeredAt, freshRead, roles))
        {
            return allowed == check.Expected;
        }

        var now = DateTime.UtcNow;
        var acceptable = roles.Any(role => _model.IsAllowedWithRole(check.UserIndex, check.OrganizationIndex, role, check.Permissions, now) == allowed);
        Interlocked.Increment(ref _answersOnChanged);
        if (acceptable && allowed != check.Expected)
        {
            Interlocked.Increment(ref _answersReflectingChanges);
        }

        return acceptable;
    }

    private CheckCase Member(long user, long sequence, bool mayPickStraddler)
    {
        var membership = _model.Membership(user, (int)(Hash(sequence, 100) % (ulong)_model.MembershipCount(user)));
        var multi = (int)(Hash(sequence, 102) % 100);
        if (multi >= MultiShare)
        {
            var (resource, action) = _permissions[Hash(sequence, 101) % (ulong)_permissions.Length];
            return new CheckCase(user, membership.Organization, resource, action, _model.IsAllowedWithRole(user, membership.Organization, membership.Role, resource, action, DateTime.UtcNow));
        }

        var straddle = multi < StraddleShare;
        // Straddling memberships are rare (a few role strings in a few organizations): random users seldom have one.
        if (straddle && mayPickStraddler && StraddlingPairs(membership).Length == 0 && _straddlers.Length > 0)
        {
            membership = _straddlers[Hash(sequence, 103) % (ulong)_straddlers.Length];
        }

        var pairs = StraddlingPairs(membership);
        var permissions = straddle && pairs.Length > 0 ? Pair(pairs[Hash(sequence, 104) % (ulong)pairs.Length]) : TwoActions(sequence);
        return new CheckCase(membership.User, membership.Organization, permissions, _model.IsAllowedWithRole(membership.User, membership.Organization, membership.Role, permissions, DateTime.UtcNow));
    }

    /// <summary>Two permissions of the policy (indexes into <see cref="_permissions"/>) as a request.</summary>
    private Dictionary<string, string[]> Pair((int First, int Second) pair)
    {
        var (firstResource, firstAction) = _permissions[pair.First];
        var (secondResource, secondAction) = _permissions[pair.Second];
        return firstResource == secondResource
            ? new(StringComparer.Ordinal) { [firstResource] = [firstAction, secondAction] }
            : new(StringComparer.Ordinal) { [firstResource] = [firstAction], [secondResource] = [secondAction] };
    }

    /// <summary>Two distinct actions of one resource (one permission when no resource has two).</summary>
    private IReadOnlyDictionary<string, string[]> TwoActions(long sequence)
    {
        if (_resourcesWithSeveralActions.Length == 0)
        {
            var (resource, action) = _permissions[Hash(sequence, 101) % (ulong)_permissions.Length];
            return CheckCase.Single(resource, action);
        }

        var (chosen, actions) = _resourcesWithSeveralActions[Hash(sequence, 105) % (ulong)_resourcesWithSeveralActions.Length];
        var first = (int)(Hash(sequence, 106) % (ulong)actions.Length);
        var second = (first + 1 + (int)(Hash(sequence, 107) % (ulong)(actions.Length - 1))) % actions.Length;
        return new Dictionary<string, string[]>(StringComparer.Ordinal) { [chosen] = [actions[first], actions[second]] };
    }

    /// <summary>
    /// The pairs of permissions that straddle the membership's roles: each granted by one of its roles, both by none.
    /// Empty for a single role.
    /// </summary>
    private (int First, int Second)[] StraddlingPairs(MembershipRow membership) =>
        _straddlingPairs.GetOrAdd((membership.Role, _model.DynamicRoles(membership.Organization)), key =>
        {
            var roles = PermissionOracle.ParseRoleList(key.Role);
            if (roles.Length < 2)
            {
                return [];
            }

            var grants = roles.Select(role => _permissions.Select(p => _model.Oracle.IsAllowed(false, null, role, key.Roles, p.Resource, p.Action, DateTime.UtcNow)).ToArray()).ToArray();
            var pairs = new List<(int, int)>();
            for (var first = 0; first < _permissions.Length; first++)
            {
                for (var second = first + 1; second < _permissions.Length; second++)
                {
                    if (grants.Any(g => g[first]) && grants.Any(g => g[second]) && !grants.Any(g => g[first] && g[second]))
                    {
                        pairs.Add((first, second));
                    }
                }
            }

            return [.. pairs];
        });

    /// <summary>Every membership whose roles can be straddled, in the generator's order.</summary>
    private MembershipRow[] FindStraddlers()
    {
        var found = new List<MembershipRow>();
        for (long user = 0; user < _model.UserCount; user++)
        {
            for (var k = 0; k < _model.MembershipCount(user); k++)
            {
                var membership = _model.Membership(user, k);
                if (membership.Role.Contains(',', StringComparison.Ordinal) && StraddlingPairs(membership).Length > 0)
                {
                    found.Add(membership);
                }
            }
        }

        return [.. found];
    }

    private CheckCase NonMember(long user, long sequence)
    {
        var (resource, action) = _permissions[Hash(sequence, 201) % (ulong)_permissions.Length];
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var organization = (int)(Hash(sequence, 202 + attempt) % (ulong)_model.OrganizationCount);
            if (_model.FindMembership(user, organization) is null)
            {
                return new CheckCase(user, organization, resource, action, _model.IsAllowedWithRole(user, organization, null, resource, action, DateTime.UtcNow));
            }
        }

        // A user in (nearly) every organization: ask about one that does not exist (the index past the last).
        return new CheckCase(user, _model.OrganizationCount, resource, action, false);
    }

    /// <summary>SplitMix64 of (seed, sequence, salt): independent, well-mixed choices per request.</summary>
    private ulong Hash(long sequence, int salt)
    {
        var z = unchecked(_seed * 0x9E3779B97F4A7C15UL + (ulong)sequence * 0xD1B54A32D192ED03UL + (ulong)salt * 0xBF58476D1CE4E5B9UL + 0x632BE59BD9B4E019UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
