using Perms.Api.V1;
using Perms.Grpc;
using Perms.LoadTest.Generation;
using Perms.LoadTest.Truth;

namespace Perms.LoadTest.Scenarios;

/// <summary>
/// Before a run: the silo answers with this token, and it reads the dataset the manifest describes — a sample of
/// users' memberships, roles and bans (read from PostgreSQL through GetMemberships) must be the model's, and the user
/// past the last must not exist. Otherwise every answer would be judged against the wrong truth.
/// </summary>
internal static class SiloPreflight
{
    private const int Samples = 24;

    /// <summary>Throws <see cref="InvalidOperationException"/> saying what to fix when the silo or its data is not the expected one.</summary>
    public static async Task VerifyAsync(PermsClient client, DatasetModel model, Uri address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(model);
        var users = new SortedSet<long> { 0, model.UserCount - 1 };
        for (var i = 1; users.Count < Math.Min(Samples, model.UserCount) && i < Samples * 4; i++)
        {
            users.Add((long)((ulong)DatasetRows.RowSeed(model.Spec.Seed, 99, i) % (ulong)model.UserCount));
        }

        try
        {
            foreach (var user in users)
            {
                var response = await client.GetMembershipsAsync(DatasetSpec.UserId(user), cancellationToken).ConfigureAwait(false);
                var problem = Compare(model, user, response);
                if (problem is not null)
                {
                    throw new InvalidOperationException(
                        $"the silo at {address} does not read the manifest's dataset: {problem}. Is it on the database and schema the manifest names, with unchanged data (generate --replace restores it)?");
                }
            }

            var past = await client.GetMembershipsAsync(DatasetSpec.UserId(model.UserCount), cancellationToken).ConfigureAwait(false);
            if (past.UserExists)
            {
                throw new InvalidOperationException($"the silo at {address} knows user {DatasetSpec.UserId(model.UserCount)}, past the manifest's {model.UserCount:N0} users: the database holds another dataset");
            }
        }
        catch (GrpcStatusException e) when (e.Code == GrpcStatusCode.Unauthenticated)
        {
            throw new InvalidOperationException($"the silo at {address} refused the token (UNAUTHENTICATED): pass a caller token it knows (--token or PERMS_LOADTEST_TOKEN)", e);
        }
        catch (GrpcStatusException e)
        {
            throw new InvalidOperationException($"the silo at {address} did not answer GetMemberships ({PermsClient.Label(e)}: {e.Detail})", e);
        }
    }

    private static string? Compare(DatasetModel model, long user, GetMembershipsResponse response)
    {
        var id = DatasetSpec.UserId(user);
        if (!response.UserExists)
        {
            return $"user {id} does not exist";
        }

        if (response.Banned != model.IsBanned(user))
        {
            return $"user {id} is {(response.Banned ? "" : "not ")}banned there";
        }

        var expected = Enumerable.Range(0, model.MembershipCount(user))
            .Select(k => model.Membership(user, k))
            .ToDictionary(m => DatasetSpec.OrganizationId(m.Organization), m => PermissionOracle.ParseRoleList(m.Role).Order(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        var actual = response.Memberships.ToDictionary(m => m.OrganizationId, m => m.Roles.Distinct().Order(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        if (expected.Count != actual.Count || expected.Any(e => !actual.TryGetValue(e.Key, out var roles) || !roles.SequenceEqual(e.Value.Distinct())))
        {
            return $"user {id} has memberships {Describe(actual)}, the manifest's data {Describe(expected)}";
        }

        return null;
    }

    private static string Describe(Dictionary<string, string[]> memberships) =>
        memberships.Count == 0 ? "none" : string.Join(", ", memberships.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key}:{string.Join("+", m.Value)}"));
}
