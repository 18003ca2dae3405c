using Perms.Grains.Interfaces.Policy;
using Perms.Grains.Policy;

namespace Perms.UnitTests.Policy;

public sealed class PolicyParserTests
{
    private static PolicyValidationException Invalid(string json) =>
        Assert.Throws<PolicyValidationException>(() => PolicyParser.Parse(json, "policy.json"));

    private static void AssertSingleError(string json, string location, string messagePart)
    {
        var error = Assert.Single(Invalid(json).Errors);
        Assert.Equal(location, error.Location);
        Assert.Contains(messagePart, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_object_is_Better_Auths_default_policy()
    {
        var policy = PolicyParser.Parse("{}", "policy.json");

        Assert.Equal(BetterAuthDefaults.OrganizationRoles, policy.Organization.Roles);
        Assert.Equal(BetterAuthDefaults.OrganizationStatements, policy.Organization.Statements);
        Assert.Equal(BetterAuthDefaults.AdminRoles, policy.Admin.Roles);
        Assert.Equal("user", policy.AdminDefaultRole);
        Assert.Empty(policy.AdminUserIds);
        Assert.False(policy.DynamicAccessControl);
        Assert.Equal(BanMode.Deny, policy.BanMode);
    }

    [Fact]
    public void The_shipped_default_policy_file_equals_the_built_in_defaults()
    {
        var path = Path.Combine(RepositoryRoot(), "policies", "better-auth-default.json");

        var policy = PolicyParser.ParseFile(path);

        Assert.Equal(Describe(BetterAuthDefaults.Policy), Describe(policy));
    }

    [Fact]
    public void A_full_policy_is_read_in_declaration_order()
    {
        var policy = PolicyParser.Parse("""
            {
              "$schema": "https://example.invalid/perms-policy.json",
              // comments are allowed
              "organization": {
                "statements": { "project": ["create", "read", "read"], "billing": ["read"] },
                "roles": { "viewer": { "project": ["read", "read"] }, "owner": { "project": ["create", "read"], "billing": ["read"] } },
                "dynamicAccessControl": { "enabled": true }
              },
              "admin": { "defaultRole": "guest", "adminUserIds": ["root"], "statements": { "user": ["ban"] }, "roles": { "guest": {}, "mod": { "user": ["ban"] } } },
              "bans": { "mode": "ignore" }
            }
            """, "policy.json");

        Assert.Equal(["viewer", "owner"], policy.Organization.Roles.Select(r => r.Name));
        Assert.Equal(["read"], policy.Organization.Roles[0].Statements.Single().Actions);
        Assert.Equal(["create", "read"], policy.Organization.Statements[0].Actions);
        Assert.True(policy.DynamicAccessControl);
        Assert.Equal("guest", policy.AdminDefaultRole);
        Assert.Equal(["root"], policy.AdminUserIds);
        Assert.Equal(["guest", "mod"], policy.Admin.Roles.Select(r => r.Name));
        Assert.Equal(BanMode.Ignore, policy.BanMode);
    }

    [Fact]
    public void Custom_statements_without_roles_keep_the_default_roles_as_Better_Auth_does()
    {
        var policy = PolicyParser.Parse("""{ "organization": { "statements": { "project": ["read"] } } }""", "policy.json");

        Assert.Equal(BetterAuthDefaults.OrganizationRoles, policy.Organization.Roles);
        Assert.Equal("project", Assert.Single(policy.Organization.Statements).Resource);
    }

    [Theory]
    [InlineData("{\n  \"organization\": {,\n}", "line 2, column 20")]
    [InlineData("{\n  \"bans\": { \"mode\": \"deny\" },\n}", "line 3, column 1")]
    [InlineData("", "line 1, column 1")]
    [InlineData("{\"a\": tru}", "line 1, column 10")]
    public void Syntax_errors_name_the_line_and_column(string json, string location)
    {
        var error = Assert.Single(Invalid(json).Errors);

        Assert.Equal(location, error.Location);
        Assert.StartsWith("invalid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_keys_are_errors_that_list_the_expected_ones() =>
        AssertSingleError("""{ "organization": { "role": {} } }""", "organization.role", "unknown key; expected statements, roles, dynamicAccessControl");

    [Fact]
    public void A_role_granting_an_action_its_statement_lacks_is_an_error() =>
        AssertSingleError(
            """{ "organization": { "statements": { "project": ["read"] }, "roles": { "viewer": { "project": ["read", "export"] } } } }""",
            "organization.roles.viewer.project[1]",
            "action \"export\" is not in the statements of \"project\" (read)");

    [Fact]
    public void A_role_granting_an_undeclared_resource_is_an_error() =>
        AssertSingleError(
            """{ "admin": { "statements": { "user": ["ban"] }, "roles": { "mod": { "report": ["read"] } } } }""",
            "admin.roles.mod.report",
            "resource \"report\" is not in the statements");

    [Fact]
    public void Duplicate_roles_are_errors() =>
        AssertSingleError(
            """{ "organization": { "statements": { "p": ["r"] }, "roles": { "viewer": {}, "viewer": { "p": ["r"] } } } }""",
            "organization.roles.viewer",
            "duplicate role");

    [Fact]
    public void Duplicate_keys_are_errors() =>
        AssertSingleError("""{ "bans": { "mode": "deny" }, "bans": { "mode": "ignore" } }""", "bans", "duplicate key");

    [Fact]
    public void An_empty_role_name_is_an_error() =>
        AssertSingleError("""{ "organization": { "statements": {}, "roles": { "": {} } } }""", "organization.roles[\"\"]", "empty role name");

    [Theory]
    [InlineData("organization", "a,b", "organization.roles[\"a,b\"]", "cannot contain ','")]
    [InlineData("admin", "a,b", "admin.roles[\"a,b\"]", "cannot contain ','")]
    [InlineData("organization", " padded", "organization.roles[\" padded\"]", "cannot start or end with white space")]
    [InlineData("organization", "padded\u00A0", "organization.roles[\"padded\\u00A0\"]", "cannot start or end with white space")]
    public void Role_names_that_could_never_match_a_stored_role_are_errors(string plugin, string name, string location, string message) =>
        AssertSingleError(
            $$"""{ "{{plugin}}": { "statements": {}, "roles": { "{{name}}": {} } } }""",
            location,
            message);

    [Fact]
    public void Admin_role_names_may_carry_white_space_because_the_admin_plugin_does_not_trim()
    {
        var policy = PolicyParser.Parse("""{ "admin": { "statements": {}, "roles": { " admin": {} } } }""", "policy.json");

        Assert.Equal(" admin", Assert.Single(policy.Admin.Roles).Name);
    }

    [Fact]
    public void Roles_without_statements_are_an_error() =>
        AssertSingleError("""{ "organization": { "roles": { "viewer": {} } } }""", "organization.roles", "add organization.statements");

    [Theory]
    [InlineData("""{ "bans": { "mode": "banned" } }""", "bans.mode", "expected \"deny\" or \"ignore\", found the string \"banned\"")]
    [InlineData("""{ "admin": { "adminUserIds": ["a", 7, ""] } }""", "admin.adminUserIds[1]", "found the number 7")]
    [InlineData("""{ "admin": { "defaultRole": "" } }""", "admin.defaultRole", "expected a non-empty role name")]
    [InlineData("""{ "organization": { "dynamicAccessControl": { "enabled": "yes" } } }""", "organization.dynamicAccessControl.enabled", "expected true or false")]
    [InlineData("""{ "organization": { "statements": { "p": "read" } } }""", "organization.statements.p", "expected an array of actions")]
    [InlineData("""{ "organization": [] }""", "organization", "expected an object, found an array")]
    [InlineData("""[]""", "$", "expected an object, found an array")]
    public void Wrong_types_name_the_field(string json, string location, string message)
    {
        var errors = Invalid(json).Errors;

        Assert.Contains(errors, e => e.Location == location && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_problem_is_reported_at_once_in_the_exception_message()
    {
        var error = Invalid("""
            { "organization": { "statements": { "p": ["r"] }, "roles": { "a": { "p": ["x"] }, "b": { "q": ["r"] } } },
              "bans": { "mode": 1 }, "extra": true }
            """);

        Assert.Equal(4, error.Errors.Count);
        Assert.StartsWith("The policy policy.json is invalid (4 problems):", error.Message, StringComparison.Ordinal);
        Assert.Contains("policy.json: organization.roles.a.p[0]: action \"x\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("policy.json: extra: unknown key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lone_surrogate_escape_is_an_error_not_a_crash()
    {
        var error = Assert.Single(Invalid("""{ "admin": { "adminUserIds": ["\ud800"] } }""").Errors);

        Assert.Contains("not valid Unicode", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_that_are_not_UTF_8_are_an_error_naming_the_position()
    {
        var error = Assert.Throws<PolicyValidationException>(() => PolicyParser.Parse(new byte[] { (byte)'{', (byte)'"', 0xFF, (byte)'"', (byte)'}' }, "policy.json"));

        Assert.Equal("byte 3", Assert.Single(error.Errors).Location);
    }

    [Fact]
    public void A_missing_file_is_reported_with_its_path()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-perms-policy.json");

        var error = Assert.Throws<PolicyValidationException>(() => PolicyParser.ParseFile(path));

        Assert.Equal(path, error.Source);
        Assert.Contains("cannot be read", Assert.Single(error.Errors).Message, StringComparison.Ordinal);
    }

    private static string Describe(PolicyDocument policy) => string.Join("\n",
        Section("org", policy.Organization),
        Section("admin", policy.Admin),
        $"dynamic={policy.DynamicAccessControl} default={policy.AdminDefaultRole} ids=[{string.Join(",", policy.AdminUserIds)}] bans={policy.BanMode}");

    private static string Section(string name, AccessControlPolicy acl) =>
        $"{name} statements {Flatten(acl.Statements)}\n" + string.Join("\n", acl.Roles.Select(r => $"{name} role {r.Name} {Flatten(r.Statements)}"));

    private static string Flatten(IEnumerable<ResourceActions> entries) =>
        string.Join(" ", entries.Select(e => $"{e.Resource}:[{string.Join(",", e.Actions)}]"));

    internal static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Perms.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Perms.sln not found above " + AppContext.BaseDirectory);
    }
}
