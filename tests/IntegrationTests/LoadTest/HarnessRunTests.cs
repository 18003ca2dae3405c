using System.Text.Json;
using Npgsql;
using Perms.Grains.Interfaces.Data;
using Perms.IntegrationTests.Infrastructure;
using Perms.LoadTest.Commands;
using Perms.LoadTest.Generation;
using Perms.LoadTest.Scenarios;
using Perms.LoadTest.Truth;
using Perms.Nats;

namespace Perms.IntegrationTests.LoadTest;

/// <summary>
/// <c>perms-loadtest run</c> in process against a real silo over a generated dataset: every answer of every scenario is
/// judged by the harness's own oracle (a re-implementation of Better Auth's rule, independent of Perms' engine), and
/// none may be wrong. The mix changes roles in PostgreSQL with events on NATS while it checks, and must leave the data
/// as generated. A policy that disagrees with the silo's must show up as wrong answers.
/// </summary>
[Trait("Category", "Integration")]
public sealed class HarnessRunTests(HarnessServerFixture fixture) : IClassFixture<HarnessServerFixture>
{
    [Theory]
    [InlineData("warm")]
    [InlineData("cold")]
    [InlineData("batch")]
    [InlineData("fully-consistent")]
    [InlineData("at-least-as-fresh")]
    public async Task Every_answer_of_the_scenario_agrees_with_the_independent_oracle(string scenario)
    {
        string[] extra = scenario switch
        {
            "cold" => ["--warmup", "0", "--nats", TestEnvironment.NatsUrl.ToString(), "--subject-prefix", fixture.Server.SubjectPrefix],
            "batch" => ["--batch-size", "50"],
            _ => [],
        };

        var (outcome, text) = await RunAsync(["--scenario", scenario, .. extra]);

        Assert.True(outcome.ExitCode == 0, text);
        var result = outcome.Result!;
        Assert.True(result.Wrong == 0, text);
        Assert.True(result.Errors == 0, text);
        Assert.True(result.Correct > 100, text);
    }

    [Fact]
    public async Task The_mix_changes_roles_while_checking_and_no_answer_is_outside_its_change_window()
    {
        var (outcome, text) = await RunAsync(
        [
            "--scenario", "mix", "--database", fixture.Server.SuperuserConnectionString, "--nats", TestEnvironment.NatsUrl.ToString(),
            "--subject-prefix", fixture.Server.SubjectPrefix, "--change-interval", "50ms",
        ]);

        Assert.True(outcome.ExitCode == 0, text);
        Assert.True(outcome.Result!.Wrong == 0, text);
        Assert.True(outcome.Result.Errors == 0, text);
        Assert.True(outcome.RoleChanges >= 20, text);
        Assert.True(outcome.Restored > 0, text);
        Assert.True(outcome.AnswersOnChangedMemberships > 0, text);
        Assert.True(outcome.AnswersReflectingChanges > 0, text);
        await AssertDatabaseHoldsTheGeneratedMembersAsync();
    }

    [Fact]
    public async Task A_ground_truth_with_another_policy_than_the_silos_finds_wrong_answers_and_exits_with_3()
    {
        var harness = await File.ReadAllTextAsync(PermissionOracle.FindHarnessPolicy()!, TestContext.Current.CancellationToken);
        const string MemberGrantsNothingOnTheOrganization = "\"organization\": [],";
        Assert.Equal(1, harness.Split(MemberGrantsNothingOnTheOrganization).Length - 1);
        var other = Path.Combine(Path.GetDirectoryName(fixture.ManifestPath)!, "member-may-update-the-organization.json");
        await File.WriteAllTextAsync(other, harness.Replace(MemberGrantsNothingOnTheOrganization, "\"organization\": [\"update\"],", StringComparison.Ordinal), TestContext.Current.CancellationToken);

        var (outcome, text) = await RunAsync(["--scenario", "warm", "--policy", other]);

        Assert.True(outcome.ExitCode == 3, text);
        Assert.True(outcome.Result!.Wrong > 0, text);
        Assert.Contains(outcome.Result.WrongExamples, e => e.Contains("organization:update: Perms denied", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_bad_option_is_reported_at_once_naming_the_option()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var outcome = await RunCommand.ExecuteAsync(
            ["--address", "nowhere", "--token", "t", "--manifest", fixture.ManifestPath, "--scenario", "mix", "--mode", "open", "--concurrency", "0",
                "--duration", "soon", "--batch-size", "5", "--nats", "http://x", "--subject-prefix", "no-dot", "--stale-grace", "-1s", "--bogus"],
            output,
            error,
            TestContext.Current.CancellationToken);

        Assert.Equal(2, outcome.ExitCode);
        var text = error.ToString();
        foreach (var option in new[] { "--address", "--rate", "--concurrency", "--duration", "--batch-size", "--nats", "--database", "--subject-prefix", "--stale-grace", "--bogus" })
        {
            Assert.Contains(option, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_token_the_silo_does_not_know_is_a_setup_failure()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var outcome = await RunCommand.ExecuteAsync(
            ["--address", fixture.Server.Address, "--token", new string('x', 43), "--manifest", fixture.ManifestPath, "--duration", "1s"],
            output,
            error,
            TestContext.Current.CancellationToken);

        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains("UNAUTHENTICATED", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Interrupted_while_measuring_it_prints_and_reports_the_partial_result_and_exits_with_130()
    {
        var json = Path.Combine(Path.GetDirectoryName(fixture.ManifestPath)!, "interrupted.json");
        using var output = new StringWriter();
        var synchronizedOutput = TextWriter.Synchronized(output);
        using var error = new StringWriter();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var run = RunCommand.ExecuteAsync(
            ["--address", fixture.Server.Address, "--token", fixture.Server.Token, "--manifest", fixture.ManifestPath, "--scenario", "warm",
                "--duration", "60s", "--warmup", "0", "--concurrency", "4", "--connections", "1", "--json", json],
            synchronizedOutput,
            TextWriter.Synchronized(error),
            stop.Token);

        // The warm scenario prints this line just before the measured part starts.
        while (!run.IsCompleted && !Printed(synchronizedOutput, output, "prewarmed the grains"))
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);
        await stop.CancelAsync();
        var outcome = await run;
        var text = $"exit {outcome.ExitCode}\n{output}\n{error}";

        Assert.True(outcome.ExitCode == 130, text);
        Assert.True(outcome.Result is { Correct: > 0, Wrong: 0 }, text);
        Assert.True(outcome.Result.Elapsed < TimeSpan.FromSeconds(30), text);
        Assert.Contains("PARTIAL RESULT", output.ToString(), StringComparison.Ordinal);
        await using var file = File.OpenRead(json);
        using var report = await JsonDocument.ParseAsync(file, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains("interrupted", report.RootElement.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_membership_that_cannot_be_restored_is_reported_and_the_others_are_still_restored()
    {
        var model = DatasetModel.Build(new DatasetSpec(2_000, 200, 6_000));
        var workload = new CheckWorkload(model);
        var problems = new List<string>();
        var layout = TableLayout.Create(TableLayout.BetterAuthDefault, HarnessServerFixture.Schema, null, null, "test", problems)!;
        await using var database = NpgsqlDataSource.Create(fixture.Server.SuperuserConnectionString);
        await using var nats = new NatsConnection(new NatsOptions { Servers = [TestEnvironment.NatsUrl], Name = "restore-test" });
        await nats.ConnectAsync(TestContext.Current.CancellationToken);
        await using var driver = new RoleChangeDriver(workload, 2_000, database, layout, nats, fixture.Server.SubjectPrefix, TimeSpan.FromSeconds(1), TimeSpan.Zero);
        var members = Enumerable.Range(0, 2_000).Select(i => workload.Get(i))
            .Select(c => model.FindMembership(c.UserIndex, c.OrganizationIndex))
            .OfType<MembershipRow>()
            .DistinctBy(m => m.Index)
            .Take(3)
            .ToList();
        foreach (var member in members)
        {
            await driver.ChangeAsync(member.User, member.Organization, member.Role == "owner" ? "member" : "owner");
        }

        var lost = members[1];
        await ExecuteAsync(database, $"UPDATE {HarnessServerFixture.Schema}.member SET id = id || '-hidden' WHERE id = '{lost.Id}'");
        await driver.StopAsync();

        Assert.Equal(2, driver.Restored);
        var notRestored = Assert.Single(driver.NotRestored);
        Assert.Contains($"{DatasetSpec.UserId(lost.User)} in {DatasetSpec.OrganizationId(lost.Organization)}", notRestored, StringComparison.Ordinal);

        await ExecuteAsync(database, $"UPDATE {HarnessServerFixture.Schema}.member SET id = '{lost.Id}' WHERE id = '{lost.Id}-hidden'");
        await driver.ChangeAsync(lost.User, lost.Organization, lost.Role);
        await AssertDatabaseHoldsTheGeneratedMembersAsync();
    }

    [Fact]
    public async Task The_manifest_describes_the_generated_dataset()
    {
        var problems = new List<string>();

        var manifest = DatasetManifest.Read(fixture.ManifestPath, problems);

        Assert.Empty(problems);
        Assert.Equal(new DatasetSpec(2_000, 200, 6_000), manifest!.Spec);
        Assert.Equal("better-auth-default", manifest.Layout);
        Assert.Equal(HarnessServerFixture.Schema, manifest.Schema);
        Assert.EndsWith(Path.Combine("src", "LoadTest", "harness-policy.json"), manifest.PolicyPath, StringComparison.Ordinal);
        Assert.True(manifest.GeneratedAt > DateTimeOffset.UtcNow.AddHours(-1));
        await AssertDatabaseHoldsTheGeneratedMembersAsync();
    }

    private async Task<(RunOutcome Outcome, string Text)> RunAsync(string[] arguments)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var outcome = await RunCommand.ExecuteAsync(
            ["--address", fixture.Server.Address, "--token", fixture.Server.Token, "--manifest", fixture.ManifestPath,
                "--duration", "3s", "--warmup", "1s", "--concurrency", "16", "--connections", "2", .. arguments],
            output,
            error,
            TestContext.Current.CancellationToken);
        return (outcome, $"exit {outcome.ExitCode}\n{output}\n{error}\nsilo:\n{fixture.Server.SiloOutput}");
    }

    private static bool Printed(TextWriter synchronized, StringWriter output, string text)
    {
        lock (synchronized)
        {
            return output.ToString().Contains(text, StringComparison.Ordinal);
        }
    }

    private static async Task ExecuteAsync(NpgsqlDataSource database, string sql)
    {
        await using var command = database.CreateCommand(sql);
        Assert.Equal(1, await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken));
    }

    private async Task AssertDatabaseHoldsTheGeneratedMembersAsync()
    {
        var spec = new DatasetSpec(2_000, 200, 6_000);
        var expected = DatasetRows.Memberships(spec).ToDictionary(m => m.Id, m => (DatasetSpec.OrganizationId(m.Organization), DatasetSpec.UserId(m.User), m.Role));
        await using var database = NpgsqlDataSource.Create(fixture.Server.SuperuserConnectionString);
        await using var command = database.CreateCommand($"""SELECT id, "organizationId", "userId", role FROM {HarnessServerFixture.Schema}.member""");
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var actual = new Dictionary<string, (string, string, string)>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            actual[reader.GetString(0)] = (reader.GetString(1), reader.GetString(2), reader.GetString(3));
        }

        Assert.Equal(expected.Count, actual.Count);
        Assert.All(expected, e => Assert.Equal(e.Value, actual.GetValueOrDefault(e.Key)));
    }
}
