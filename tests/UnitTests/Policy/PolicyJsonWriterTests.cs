using System.Security.Cryptography;
using Perms.Grains.Interfaces.Policy;
using Perms.Grains.Policy;
using Perms.Silo.Configuration;

namespace Perms.UnitTests.Policy;

/// <summary>The canonical policy JSON: the built-in defaults hash like policies/better-auth-default.json, and it reads back unchanged.</summary>
public sealed class PolicyJsonWriterTests
{
    private static string DefaultPolicyFile => Path.Combine(PolicyParserTests.RepositoryRoot(), "policies", "better-auth-default.json");

    [Fact]
    public void The_defaults_are_written_byte_for_byte_as_the_shipped_default_policy_file()
    {
        var written = PolicyJsonWriter.Write(BetterAuthDefaults.Policy);

        Assert.Equal(File.ReadAllText(DefaultPolicyFile), System.Text.Encoding.UTF8.GetString(written));
    }

    [Fact]
    public void A_written_policy_parses_back_to_the_same_document()
    {
        var policy = PolicyParser.Parse("""
            {
              "organization": {
                "statements": { "project": ["read", "write"], "member": ["create"] },
                "roles": { "auditor": { "project": ["read"] }, "lead": { "project": ["read", "write"], "member": [] } },
                "dynamicAccessControl": { "enabled": true }
              },
              "admin": { "defaultRole": "admin", "adminUserIds": ["root", "ünïcode+<id>"] },
              "bans": { "mode": "ignore" }
            }
            """, "test.json");

        var again = PolicyParser.Parse(PolicyJsonWriter.Write(policy), "written.json");

        Assert.Equal(PolicyJsonWriter.Write(policy), PolicyJsonWriter.Write(again));
        Assert.True(again.DynamicAccessControl);
        Assert.Equal(BanMode.Ignore, again.BanMode);
        Assert.Equal("admin", again.AdminDefaultRole);
        Assert.Equal(["root", "ünïcode+<id>"], again.AdminUserIds);
        Assert.Equal(["auditor", "lead"], again.Organization.Roles.Select(r => r.Name));
        Assert.Equal(["read", "write"], again.Organization.Roles[1].Statements[0].Actions);
    }

    [Fact]
    public void A_loaded_file_is_hashed_as_its_bytes_and_the_defaults_as_the_shipped_file()
    {
        var path = Path.GetTempFileName();
        try
        {
            // Comments and odd spacing are fine for the parser; the hash is of the bytes as they are.
            File.WriteAllText(path, "// ours\n{ \"bans\": { \"mode\": \"ignore\" } }");
            var loaded = LoadedPolicy.Load(path, TimeProvider.System);
            var defaults = LoadedPolicy.Load(null, TimeProvider.System);

            Assert.Equal(path, loaded.Path);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))), loaded.Sha256);
            Assert.Equal(BanMode.Ignore, loaded.Document.BanMode);
            Assert.Null(defaults.Path);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(DefaultPolicyFile))), defaults.Sha256);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void An_unreadable_policy_file_is_a_validation_error_naming_the_file()
    {
        var e = Assert.Throws<PolicyValidationException>(() => LoadedPolicy.Load("/nonexistent/policy.json", TimeProvider.System));

        Assert.Equal("/nonexistent/policy.json", e.Source);
    }
}
