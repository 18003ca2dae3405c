using System.Security.Cryptography;
using Perms.Grains.Interfaces.Policy;
using Perms.Grains.Policy;

namespace Perms.Silo.Commands;

/// <summary><c>perms policy check FILE</c>: validates a policy file and summarises it, without starting anything.</summary>
internal static class PolicyCommand
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        if (args is not ["check", var path])
        {
            error.WriteLine("usage: perms policy check FILE");
            return 2;
        }

        PolicyDocument policy;
        try
        {
            policy = PolicyParser.ParseFile(path);
        }
        catch (PolicyValidationException e)
        {
            error.WriteLine(e.Message);
            return 1;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
        output.WriteLine($"{path}: valid (sha256 {hash})");
        output.WriteLine($"  organization: {policy.Organization.Statements.Length} resources; roles {string.Join(", ", policy.Organization.Roles.Select(r => r.Name))}; dynamic roles {(policy.DynamicAccessControl ? "on" : "off")}");
        output.WriteLine($"  admin: {policy.Admin.Statements.Length} resources; roles {string.Join(", ", policy.Admin.Roles.Select(r => r.Name))}; default role \"{policy.AdminDefaultRole}\"; {policy.AdminUserIds.Length} adminUserIds");
        output.WriteLine($"  bans: {policy.BanMode.ToString().ToLowerInvariant()}");
        return 0;
    }
}
