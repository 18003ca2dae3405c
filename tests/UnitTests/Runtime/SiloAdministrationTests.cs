using Perms.Grains.Activation;
using Perms.Grains.Interfaces.State;
using Perms.Silo.Admin;
using Perms.Silo.Configuration;
using Perms.Silo.Runtime;
using static Perms.UnitTests.Permissions.Check;

namespace Perms.UnitTests.Runtime;

/// <summary>The admin operations over real catalogs: what each one deactivates, and the activation listing.</summary>
public sealed class SiloAdministrationTests : IDisposable
{
    private static readonly DateTimeOffset ReadAt = new(2026, 11, 22, 11, 0, 0, TimeSpan.Zero);

    private readonly FakeBetterAuthReader _reader = new();
    private readonly ManualTimeProvider _time = new();
    private readonly GrainCatalog<UserGrain> _users;
    private readonly GrainCatalog<OrganizationGrain> _organizations;
    private readonly SiloAdministration _administration;

    public SiloAdministrationTests()
    {
        var policy = PolicyFrom("""{ "organization": { "dynamicAccessControl": { "enabled": true } } }""");
        foreach (var (user, organizations) in new[] { ("alice", new[] { "acme", "globex" }), ("bob", ["acme"]), ("carol", ["globex"]) })
        {
            _reader.Users[user] = new UserSnapshot(user, User(user), [.. organizations.Select(o => new MembershipRecord(o, ["member"], []))], ReadAt);
        }

        foreach (var organization in new[] { "acme", "globex" })
        {
            _reader.Organizations[organization] = new OrganizationSnapshot(organization, true, [], ReadAt);
        }

        var metrics = new GrainRuntimeMetrics();
        _users = new GrainCatalog<UserGrain>("user", new UserGrainActivator(_reader, policy), new GrainCatalogOptions(), _time, metrics);
        _organizations = new GrainCatalog<OrganizationGrain>("organization", new OrganizationGrainActivator(_reader, policy), new GrainCatalogOptions(), _time, metrics);
        _administration = new SiloAdministration(_users, _organizations, LoadedPolicy.Load(null, _time));
    }

    public void Dispose()
    {
        _users.Dispose();
        _organizations.Dispose();
    }

    private async Task ActivateAllAsync()
    {
        foreach (var user in new[] { "alice", "bob", "carol" })
        {
            await _users.GetAsync(user, CancellationToken.None);
        }

        foreach (var organization in new[] { "acme", "globex" })
        {
            await _organizations.GetAsync(organization, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Activations_are_counted_per_type_with_a_bounded_sample_of_keys()
    {
        await ActivateAllAsync();

        var summaries = _administration.ListActivations(2);
        var none = _administration.ListActivations(0);

        Assert.Equal(["user", "organization"], summaries.Select(s => s.GrainType));
        Assert.Equal(3, summaries[0].Count);
        Assert.Equal(2, summaries[1].Count);
        Assert.True(summaries[0].EstimatedBytes > 0);
        Assert.Equal(2, summaries[0].SampleKeys.Count);
        Assert.Subset(new HashSet<string> { "alice", "bob", "carol" }, summaries[0].SampleKeys.ToHashSet());
        Assert.Equal(["acme", "globex"], summaries[1].SampleKeys.Order(StringComparer.Ordinal));
        Assert.Empty(none[0].SampleKeys);
    }

    [Fact]
    public async Task Deactivating_a_user_removes_only_that_grain_and_the_next_call_loads_again()
    {
        await ActivateAllAsync();
        var loads = _reader.UserReads;

        Assert.True(_administration.DeactivateUser("bob"));
        Assert.False(_administration.DeactivateUser("bob"));
        Assert.Null(_users.Peek("bob"));
        Assert.NotNull(_users.Peek("alice"));

        await _users.GetAsync("bob", CancellationToken.None);
        Assert.Equal(loads + 1, _reader.UserReads);
    }

    [Fact]
    public async Task Deactivating_an_organization_removes_it_and_its_members_grains_only()
    {
        await ActivateAllAsync();

        var result = _administration.DeactivateOrganization("acme");

        Assert.True(result.OrganizationDeactivated);
        Assert.Equal(2, result.UsersDeactivated);
        Assert.Null(_users.Peek("alice"));
        Assert.Null(_users.Peek("bob"));
        Assert.NotNull(_users.Peek("carol"));
        Assert.Null(_organizations.Peek("acme"));
        Assert.NotNull(_organizations.Peek("globex"));
    }

    [Fact]
    public async Task Flushing_empties_both_catalogs()
    {
        await ActivateAllAsync();

        var result = _administration.FlushAll();

        Assert.Equal(3, result.UsersDeactivated);
        Assert.Equal(2, result.OrganizationsDeactivated);
        Assert.Equal(0, _users.Count);
        Assert.Equal(0, _organizations.Count);
    }
}
