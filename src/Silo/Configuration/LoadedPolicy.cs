using System.Security.Cryptography;
using Perms.Grains.Interfaces.Admin;
using Perms.Grains.Policy;

namespace Perms.Silo.Configuration;

/// <summary>
/// Reads the policy once: the file's bytes (or the built-in defaults' canonical JSON), their SHA-256 and the time,
/// parsed from exactly those bytes — so the hash the admin API reports is the hash of what the silo runs.
/// </summary>
public static class LoadedPolicy
{
    /// <summary>Reads and parses the policy at <paramref name="path"/>, or Better Auth's defaults when null.</summary>
    /// <exception cref="PolicyValidationException">The file is missing, unreadable or invalid.</exception>
    public static LoadedPolicyInfo Load(string? path, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (path is null)
        {
            var canonical = PolicyJsonWriter.Write(BetterAuthDefaults.Policy);
            return new LoadedPolicyInfo(null, canonical, Hash(canonical), time.GetUtcNow(), BetterAuthDefaults.Policy);
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new PolicyValidationException(path, [new PolicyError("file", $"cannot be read: {e.Message}")]);
        }

        var loadedAt = time.GetUtcNow();
        return new LoadedPolicyInfo(path, bytes, Hash(bytes), loadedAt, PolicyParser.Parse(bytes, path));
    }

    private static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
