using System.Text.Json;
using Perms.Grains.Data;
using Perms.Grains.Interfaces.Data;
using Perms.Grains.Interfaces.Permissions;
using Perms.Grains.Interfaces.Policy;
using Perms.Grains.Interfaces.State;
using Perms.Grains.Permissions;
using Perms.Grains.Policy;
using Perms.Grains.State;
using Perms.IntegrationTests.Infrastructure;

namespace Perms.IntegrationTests.Data;

/// <summary>
/// Better Auth builds a database with its own migration and server API and answers a grid of checks itself
/// (tests/js/better-auth-differential.mjs). Perms reads the same tables through its loaders, under a SELECT-only role,
/// and must give the same answer to every check — except the documented differences, each asserted here one by one.
/// </summary>
[Trait("Category", "Integration")]
public sealed class BetterAuthDifferentialTests
{
    [Theory]
    [InlineData("default", TableLayout.BetterAuthDefault, true, "text")]
    [InlineData("default", TableLayout.BetterAuthDefault, false, "text")]
    [InlineData("plural-snake", TableLayout.PluralSnake, true, "text")]
    [InlineData("plural-snake", TableLayout.PluralSnake, false, "text")]
    [InlineData("use-plural", TableLayout.UsePlural, true, "text")]
    [InlineData("default", TableLayout.BetterAuthDefault, true, "uuid")]
    public async Task Perms_decides_like_Better_Auth_apart_from_the_documented_differences(string layout, string preset, bool dynamic, string ids)
    {
        await using var database = await BetterAuthDatabase.CreateAsync(layout, dynamic, ids);
        var root = database.Root;
        AssertPresetNamesWhatBetterAuthCreated(database.Layout(preset), root.GetProperty("tables"));

        // The script's policy says bans.mode = "ignore" (Better Auth's behaviour); Perms' default "deny" is checked too.
        var document = PolicyParser.Parse(root.GetProperty("policy").GetRawText(), "differential policy");
        var ignoreBans = new CompiledPolicy(document);
        var denyBans = new CompiledPolicy(document with { BanMode = BanMode.Deny });
        Assert.Equal(BanMode.Ignore, ignoreBans.BanMode);
        Assert.Equal(dynamic, ignoreBans.DynamicAccessControl);

        await using var dataSource = BetterAuthDataSource.Create(database.ReaderConnectionString, TimeSpan.FromSeconds(5));
        var reader = database.CreateReader(dataSource, preset);
        var labels = root.GetProperty("users").EnumerateArray().ToDictionary(u => u.GetProperty("id").GetString()!, u => u.GetProperty("label").GetString()!);
        var users = new Dictionary<string, UserSnapshot>();
        var organizations = new Dictionary<string, OrganizationSnapshot>();
        var now = DateTimeOffset.UtcNow;
        var tally = new Dictionary<string, int>();
        var failures = new List<string>();

        foreach (var check in root.GetProperty("checks").EnumerateArray())
        {
            var userId = check.GetProperty("userId").GetString()!;
            var organizationId = check.GetProperty("organizationId").GetString()!;
            var request = Request(check.GetProperty("permissions"));
            var label = labels.GetValueOrDefault(userId, "unknown-user");
            var user = await Cached(users, userId, () => reader.ReadUserAsync(userId, CancellationToken.None));
            var organization = await Cached(organizations, organizationId, () => reader.ReadOrganizationAsync(organizationId, dynamic, CancellationToken.None));

            var ignore = Outcome.Of(() => PermissionEvaluator.CheckOrganization(ignoreBans, new CompiledUserState(user, ignoreBans), new CompiledOrganizationState(organization, ignoreBans), request, now));
            var deny = Outcome.Of(() => PermissionEvaluator.CheckOrganization(denyBans, new CompiledUserState(user, denyBans), new CompiledOrganizationState(organization, denyBans), request, now));
            var category = Compare(label, check, ignore, deny, organizationCheck: true, out var problem);
            tally[category] = tally.GetValueOrDefault(category) + 1;
            if (problem is not null)
            {
                failures.Add($"{label} in {organizationId} {request}: {problem}");
            }
        }

        foreach (var check in root.GetProperty("platformChecks").EnumerateArray())
        {
            var userId = check.GetProperty("userId").GetString()!;
            var request = Request(check.GetProperty("permissions"));
            var label = labels.GetValueOrDefault(userId, "unknown-user");
            var user = await Cached(users, userId, () => reader.ReadUserAsync(userId, CancellationToken.None));

            var ignore = Outcome.Of(() => PermissionEvaluator.CheckPlatform(ignoreBans, new CompiledUserState(user, ignoreBans), request, now));
            var deny = Outcome.Of(() => PermissionEvaluator.CheckPlatform(denyBans, new CompiledUserState(user, denyBans), request, now));
            var category = "platform " + Compare(label, check, ignore, deny, organizationCheck: false, out var problem);
            tally[category] = tally.GetValueOrDefault(category) + 1;
            if (problem is not null)
            {
                failures.Add($"platform {label} {request}: {problem}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} disagreements:\n" + string.Join("\n", failures.Take(40)));

        // Every kind of case must actually have occurred, so the comparison cannot pass vacuously.
        Assert.True(tally.GetValueOrDefault("same decision") > 300, Describe(tally));
        Assert.True(tally.GetValueOrDefault("not a member") > 100, Describe(tally));
        Assert.True(tally.GetValueOrDefault("difference: ban denied") > 10, Describe(tally));
        Assert.True(tally.GetValueOrDefault("difference: prototype key") > 0, Describe(tally));
        Assert.True(tally.GetValueOrDefault("difference: duplicate member rows") > 0, Describe(tally));
        Assert.True(tally.GetValueOrDefault("platform same decision") > 300, Describe(tally));
        Assert.True(tally.GetValueOrDefault("platform difference: prototype key") > 0, Describe(tally));
        Assert.True(tally.GetValueOrDefault("platform user not found") + tally.GetValueOrDefault("platform difference: id not of the column's type") > 0, Describe(tally));
        Assert.Equal(ids == "uuid", tally.GetValueOrDefault("difference: id not of the column's type") > 0);
        Assert.Equal(dynamic, tally.GetValueOrDefault("malformed dynamic role") > 0);
    }

    /// <summary>Classifies one check and sets <paramref name="problem"/> when Perms' answer is not the one owed.</summary>
    private static string Compare(string label, JsonElement check, Outcome ignore, Outcome deny, bool organizationCheck, out string? problem)
    {
        problem = null;
        var bannedNow = label is "banned-sql" or "ban-future" or "banned-api";
        if (bannedNow && deny.Decision?.Reason != DecisionReason.Banned)
        {
            problem = $"Perms with bans.mode=deny answered {deny}, expected BANNED";
        }

        if (check.TryGetProperty("allowed", out var allowedElement))
        {
            var allowed = allowedElement.GetBoolean();
            if (organizationCheck && label == "duplicate" && ignore.Decision is { } union)
            {
                // Better Auth uses one of the two member rows; Perms the union of their roles: it may grant more, never less.
                problem ??= allowed && !union.Allowed ? $"Better Auth allowed, Perms (union of rows) answered {ignore}" : null;
                return "difference: duplicate member rows";
            }

            problem ??= ignore.Decision?.Allowed == allowed ? null : $"Better Auth {(allowed ? "allowed" : "denied")}, Perms answered {ignore}";
            if (!bannedNow && label != "ban-past")
            {
                problem ??= deny.Decision?.Allowed == allowed ? null : $"Better Auth {(allowed ? "allowed" : "denied")}, Perms (deny mode) answered {deny}";
            }

            return bannedNow ? "difference: ban denied" : "same decision";
        }

        var error = check.GetProperty("error");
        var message = error.TryGetProperty("message", out var m) ? m.GetString() : null;
        var code = error.TryGetProperty("code", out var c) ? c.GetString() : null;
        var status = error.GetProperty("status").GetInt32();
        switch (status, code, message)
        {
            case (401, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION", _):
                problem ??= ignore.Decision?.Reason == DecisionReason.NotAMember ? null : $"Better Auth: not a member; Perms answered {ignore}";
                return "not a member";
            case (401, "UNAUTHORIZED", _) when label == "banned-api":
                // Better Auth deleted the banned user's sessions, so it cannot be asked; Perms (deny) answers BANNED.
                return "difference: ban denied";
            case (500, _, _) when message is not null && (message.StartsWith("Expected", StringComparison.Ordinal) || message.StartsWith("Invalid permissions for role", StringComparison.Ordinal) || message.Contains("JSON", StringComparison.Ordinal)):
                problem ??= ignore.Error is DynamicRoleException ? null : $"Better Auth: malformed dynamic role ({message}); Perms answered {ignore}";
                return "malformed dynamic role";
            case (500, _, "acRoles[role]?.authorize is not a function"):
                // A role named like a prototype key: Better Auth throws once it reaches it; Perms skips it as unknown.
                problem ??= ignore.Decision is { Allowed: false } ? null : $"Better Auth threw on the prototype-key role; Perms answered {ignore}, expected a denial";
                return "difference: prototype key";
            case (500, _, "allowedActions.includes is not a function"):
                problem ??= ignore.Decision is { Allowed: false, Reason: DecisionReason.UnknownPermission } ? null : $"Better Auth threw on the prototype-key resource; Perms answered {ignore}, expected UNKNOWN_PERMISSION";
                return "difference: prototype key";
            case (500, _, _) when message is not null && message.StartsWith("invalid input syntax for type uuid", StringComparison.Ordinal):
                // uuid id columns and an id that is no uuid: Better Auth fails the query (500); Perms answers that no
                // such user or membership exists.
                problem ??= ignore.Decision?.Reason is DecisionReason.NotAMember or DecisionReason.UserNotFound ? null : $"Better Auth: not a uuid; Perms answered {ignore}";
                return "difference: id not of the column's type";
            case (400, _, "user not found"):
                problem ??= ignore.Decision?.Reason == DecisionReason.UserNotFound ? null : $"Better Auth: user not found; Perms answered {ignore}";
                return "user not found";
            default:
                problem = $"unexpected Better Auth error {error.GetRawText()}; Perms answered {ignore}";
                return "unexpected";
        }
    }

    private static void AssertPresetNamesWhatBetterAuthCreated(TableLayout layout, JsonElement tables)
    {
        foreach (var table in tables.EnumerateObject())
        {
            Assert.Equal(table.Value.GetProperty("table").GetString(), layout.Table(table.Name));
            foreach (var column in table.Value.GetProperty("columns").EnumerateObject())
            {
                Assert.Equal(column.Value.GetString(), layout.Column(table.Name, column.Name));
            }
        }
    }

    private static PermissionRequest Request(JsonElement permissions) =>
        PermissionRequest.Create(permissions.EnumerateObject().Select(p =>
            new KeyValuePair<string, IEnumerable<string>>(p.Name, p.Value.EnumerateArray().Select(a => a.GetString()!).ToArray())));

    private static async Task<T> Cached<T>(Dictionary<string, T> cache, string key, Func<Task<T>> load)
    {
        if (!cache.TryGetValue(key, out var value))
        {
            value = await load();
            cache[key] = value;
        }

        return value;
    }

    private static string Describe(Dictionary<string, int> tally) =>
        string.Join(", ", tally.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}: {t.Value}"));

    /// <summary>A decision or the error Perms answered with.</summary>
    private sealed record Outcome(PermissionDecision? Decision, Exception? Error)
    {
        public static Outcome Of(Func<PermissionDecision> check)
        {
            try
            {
                return new Outcome(check(), null);
            }
            catch (DynamicRoleException e)
            {
                return new Outcome(null, e);
            }
        }

        public override string ToString() => Decision is { } d ? $"{(d.Allowed ? "allow" : "deny")} {d.Reason} {d.GrantedByRole}" : $"error {Error!.Message}";
    }
}
