using System.Text.Json;
using Perms.Grains.Interfaces.Permissions;
using Perms.Grains.Interfaces.Policy;
using Perms.Grains.Permissions;
using Perms.Grains.Policy;
using Perms.IntegrationTests.Infrastructure;

namespace Perms.IntegrationTests.Policy;

/// <summary>
/// The policy exporter against the real better-auth package from npm: what it writes loads into Perms, and Perms'
/// compiled roles grant exactly what Better Auth's own <c>role.authorize</c> grants.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PolicyExportRoundTripTests
{
    private static string ExporterDirectory => Path.Combine(TestEnvironment.RepositoryRoot, "clients", "policy-export");

    // Evaluated by Better Auth itself: for each request, for each role, roles[role].authorize(request).success.
    private const string AuthorizeScript = """
        import { roles as fixtureRoles } from "./fixtures/shared.mjs";
        import { defaultRoles as organizationDefaults } from "better-auth/plugins/organization/access";
        import { defaultRoles as adminDefaults } from "better-auth/plugins/admin/access";
        let text = "";
        for await (const chunk of process.stdin) text += chunk;
        const { scope, roles, requests } = JSON.parse(text);
        const table = { fixture: fixtureRoles, organization: organizationDefaults, admin: adminDefaults }[scope];
        process.stdout.write(JSON.stringify(requests.map(request => roles.map(role => table[role].authorize(request).success))));
        """;

    [Fact]
    public async Task A_policy_exported_from_a_real_Better_Auth_app_loads_into_Perms()
    {
        var json = await Node.RunAsync(ExporterDirectory, ["cli.mjs", "fixtures/auth.mjs", "--bans", "ignore"]);

        var policy = PolicyParser.Parse(json, "exported policy");

        Assert.Equal(["owner", "editor", "viewer"], policy.Organization.Roles.Select(r => r.Name));
        Assert.Equal(["project", "billing"], policy.Organization.Statements.Select(s => s.Resource));
        Assert.True(policy.DynamicAccessControl);
        Assert.Equal(["user_root"], policy.AdminUserIds);
        Assert.Equal(BetterAuthDefaults.AdminRoles.Select(r => r.Name), policy.Admin.Roles.Select(r => r.Name));
        Assert.Equal(BanMode.Ignore, policy.BanMode);
    }

    [Fact]
    public async Task Exported_custom_roles_grant_exactly_what_Better_Auth_grants()
    {
        var json = await Node.RunAsync(ExporterDirectory, ["cli.mjs", "fixtures/auth.mjs"]);
        var compiled = new CompiledPolicy(PolicyParser.Parse(json, "exported policy"));

        await AssertSameAsBetterAuth("fixture", compiled.OrganizationRoles);
    }

    [Fact]
    public async Task Perms_default_organization_roles_grant_exactly_what_Better_Auths_defaults_grant() =>
        await AssertSameAsBetterAuth("organization", new CompiledPolicy(BetterAuthDefaults.Policy).OrganizationRoles);

    [Fact]
    public async Task Perms_default_admin_roles_grant_exactly_what_Better_Auths_defaults_grant() =>
        await AssertSameAsBetterAuth("admin", new CompiledPolicy(BetterAuthDefaults.Policy).AdminRoles);

    private static async Task AssertSameAsBetterAuth(string scope, RoleSet roles)
    {
        var roleNames = roles.Definitions.Select(d => d.Name).ToArray();
        var requests = RequestGrid(roles.Statements).ToArray();
        var input = JsonSerializer.Serialize(new { scope, roles = roleNames, requests });

        var output = await Node.RunAsync(ExporterDirectory, ["--input-type=module", "-e", AuthorizeScript], input);
        var betterAuth = JsonSerializer.Deserialize<bool[][]>(output)!;

        Assert.Equal(requests.Length, betterAuth.Length);
        var disagreements = new List<string>();
        for (var i = 0; i < requests.Length; i++)
        {
            var request = PermissionRequest.Create(requests[i].Select(r => new KeyValuePair<string, IEnumerable<string>>(r.Key, r.Value)));
            for (var j = 0; j < roleNames.Length; j++)
            {
                var perms = roles.Roles[roleNames[j]].Grants(request);
                if (perms != betterAuth[i][j])
                {
                    disagreements.Add($"{roleNames[j]} {request}: Better Auth {betterAuth[i][j]}, Perms {perms}");
                }
            }
        }

        Assert.True(requests.Length > 20, "the grid is too small to mean anything");
        Assert.Empty(disagreements);
    }

    /// <summary>Every single action, every resource's full action list, pairs across resources, and the edge cases.</summary>
    private static IEnumerable<Dictionary<string, string[]>> RequestGrid(IEnumerable<ResourceActions> statements)
    {
        var entries = statements.ToArray();
        yield return [];
        yield return new() { ["no-such-resource"] = ["read"] };
        foreach (var entry in entries)
        {
            yield return new() { [entry.Resource] = [] };
            yield return new() { [entry.Resource] = ["no-such-action"] };
            yield return new() { [entry.Resource] = [.. entry.Actions] };
            foreach (var action in entry.Actions)
            {
                yield return new() { [entry.Resource] = [action] };
                yield return new() { [entry.Resource] = [action], ["no-such-resource"] = [action] };
                foreach (var other in entries.Where(e => e.Resource != entry.Resource))
                {
                    foreach (var otherAction in other.Actions.Take(2))
                    {
                        yield return new() { [entry.Resource] = [action], [other.Resource] = [otherAction] };
                    }
                }
            }
        }
    }
}
