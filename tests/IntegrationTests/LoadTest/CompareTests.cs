using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Perms.LoadTest.Comparison;
using Perms.LoadTest.Generation;
using Perms.LoadTest.Running;
using Perms.LoadTest.Truth;

namespace Perms.IntegrationTests.LoadTest;

/// <summary>
/// <c>perms-loadtest compare</c> against the real Better Auth server and a real silo over a generated dataset: Better
/// Auth's sessions, its hasPermission answers judged by the ground truth (bans ignored, as Better Auth ignores them),
/// the empty-call floor, and the whole command end to end.
/// </summary>
[Trait("Category", "Integration")]
public sealed class CompareTests(CompareFixture fixture) : IClassFixture<CompareFixture>
{
    private const int Cases = 2_000;

    [Fact]
    public async Task Better_Auth_makes_a_session_for_every_user_of_the_workload_banned_users_included()
    {
        var workload = new CheckWorkload(fixture.Model);
        await using var target = new BetterAuthHttpTarget("better auth", fixture.BetterAuth.Address, 8, workload, fixture.Model, Cases);

        await target.PrepareAsync(TestContext.Current.CancellationToken);

        var users = Enumerable.Range(0, Cases).Select(i => workload.Get(i).UserIndex).Distinct().ToList();
        Assert.Equal(users.Count, target.Sessions);
        var banned = users.Count(u => fixture.Model.IsBanned(u));
        Assert.True(banned > 0, "the workload asks about banned users (10% of its checks)");
        Assert.Equal(banned, target.BannedUsers);
    }

    [Fact]
    public async Task A_session_made_for_a_banned_user_is_accepted_by_Better_Auth_s_has_permission()
    {
        var user = fixture.Model.BannedUsers.First(u => fixture.Model.MembershipCount(u) > 0);
        var organization = fixture.Model.Membership(user, 0).Organization;
        using var client = new HttpClient { BaseAddress = fixture.BetterAuth.Address };
        using var sessions = await client.PostAsync(
            BetterAuthHttpTarget.SessionsPath,
            new StringContent($$"""{"userIds":["{{DatasetSpec.UserId(user)}}"]}""", Encoding.UTF8, "application/json"),
            TestContext.Current.CancellationToken);
        using var made = JsonDocument.Parse(await sessions.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(DatasetSpec.UserId(user), Assert.Single(made.RootElement.GetProperty("banned").EnumerateArray()).GetString());
        var token = made.RootElement.GetProperty("tokens").GetProperty(DatasetSpec.UserId(user)).GetString();

        using var request = new HttpRequestMessage(HttpMethod.Post, BetterAuthHttpTarget.HasPermissionPath)
        {
            Content = new StringContent($$$"""{"organizationId":"{{{DatasetSpec.OrganizationId(organization)}}}","permissions":{"ac":["read"]}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("authorization", $"Bearer {token}");
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);

        // Every generated role grants ac:read (member, admin, owner), and Better Auth never reads the ban.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(BetterAuthHttpTarget.Answer(response.StatusCode, body));
    }

    [Fact]
    public async Task Better_Auth_answers_agree_with_the_ground_truth_judging_banned_users_with_the_ban_ignored()
    {
        var workload = new CheckWorkload(fixture.Model);
        await using var target = new BetterAuthHttpTarget("better auth", fixture.BetterAuth.Address, 8, workload, fixture.Model, Cases);
        await target.PrepareAsync(TestContext.Current.CancellationToken);

        var outcomes = new ConcurrentBag<(long Sequence, RequestResult Result)>();
        await Parallel.ForAsync(0L, Cases, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = TestContext.Current.CancellationToken }, async (sequence, cancellationToken) =>
            outcomes.Add((sequence, await target.SendAsync(sequence, cancellationToken))));

        var failures = outcomes.Where(o => o.Result.Outcome != RequestOutcome.Correct).OrderBy(o => o.Sequence).Take(5).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures.Select(f => $"#{f.Sequence} {f.Result.Outcome}: {f.Result.Detail}")));
        Assert.True(target.BannedCases > 0, "some answers were for banned users");
        Assert.Contains(Enumerable.Range(0, Cases), i => workload.Get(i).Expected);
        Assert.Contains(Enumerable.Range(0, Cases), i => !workload.Get(i).Expected);
    }

    [Fact]
    public async Task Better_Auth_s_deny_for_a_non_member_is_a_deny_and_other_errors_are_not_answers()
    {
        var notAMember = """{"message":"User is not a member of the organization","code":"USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION"}"""u8.ToArray();
        var unauthorized = """{"message":"Unauthorized","code":"UNAUTHORIZED"}"""u8.ToArray();

        Assert.False(BetterAuthHttpTarget.Answer(HttpStatusCode.Unauthorized, notAMember));
        Assert.Null(BetterAuthHttpTarget.Answer(HttpStatusCode.Unauthorized, unauthorized));
        Assert.Null(BetterAuthHttpTarget.Answer(HttpStatusCode.InternalServerError, """{"message":"boom"}"""u8.ToArray()));
        Assert.True(BetterAuthHttpTarget.Answer(HttpStatusCode.OK, """{"error":null,"success":true}"""u8.ToArray()));
        Assert.False(BetterAuthHttpTarget.Answer(HttpStatusCode.OK, """{"error":null,"success":false}"""u8.ToArray()));

        // And a real one: a session for an unknown token is Better Auth's 401 UNAUTHORIZED, an error rather than a deny.
        using var client = new HttpClient { BaseAddress = fixture.BetterAuth.Address };
        using var request = new HttpRequestMessage(HttpMethod.Post, BetterAuthHttpTarget.HasPermissionPath)
        {
            Content = new StringContent("""{"organizationId":"o0000000","permissions":{"ac":["read"]}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("authorization", "Bearer NoSuchSessionToken0123456789abcd");
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Null(BetterAuthHttpTarget.Answer(response.StatusCode, await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task The_empty_call_floor_is_answered_serving_by_the_silo()
    {
        await using var target = new HealthFloorTarget("floor", fixture.SiloAddress, 2);
        await target.PrepareAsync(TestContext.Current.CancellationToken);

        var results = new List<RequestResult>();
        for (var i = 0; i < 200; i++)
        {
            results.Add(await target.SendAsync(i, TestContext.Current.CancellationToken));
        }

        Assert.All(results, r => Assert.Equal(RequestOutcome.Correct, r.Outcome));
    }

    [Fact]
    public async Task Compare_runs_every_target_end_to_end_with_no_wrong_answers()
    {
        var directory = Directory.CreateTempSubdirectory("perms-compare-report-").FullName;
        try
        {
            var json = Path.Combine(directory, "compare.json");
            var html = Path.Combine(directory, "compare.html");
            var output = new StringWriter();
            var error = new StringWriter();

            var exit = await CompareCommand.RunAsync(
                ["--address", fixture.SiloAddress.ToString(), "--token", fixture.Token, "--manifest", fixture.ManifestPath, "--database", fixture.DatabaseUrl,
                    "--concurrency", "16", "--duration", "2", "--warmup", "0.5", "--json", json, "--html", html],
                output,
                error,
                TestContext.Current.CancellationToken);

            var text = output.ToString();
            Assert.True(exit == 0, $"compare exited with {exit}\nstdout:\n{text}\nstderr:\n{error}\nsilo:\n{fixture.SiloOutput}\nBetter Auth:\n{fixture.BetterAuth.Log}");
            Assert.Contains("empty gRPC call", text, StringComparison.Ordinal);
            Assert.Contains("Perms CheckPermission (warm)", text, StringComparison.Ordinal);
            Assert.Contains("Perms CheckPermission (fully_consistent)", text, StringComparison.Ordinal);
            Assert.Contains("Better Auth hasPermission (HTTP)", text, StringComparison.Ordinal);
            Assert.Contains("performance.md targets", text, StringComparison.Ordinal);
            Assert.Contains("Better Auth p50 / Perms warm p50", text, StringComparison.Ordinal);

            using var report = JsonDocument.Parse(await File.ReadAllTextAsync(json, TestContext.Current.CancellationToken));
            var results = report.RootElement.EnumerateObject().First(p => p.NameEquals("results") || p.NameEquals("Results")).Value.EnumerateArray().ToList();
            Assert.Equal(12, results.Count);
            Assert.StartsWith("<!DOCTYPE html", await File.ReadAllTextAsync(html, TestContext.Current.CancellationToken), StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
