using Perms.Grains.Interfaces.Policy;

namespace Perms.Grains.Interfaces.Admin;

/// <summary>The policy a silo loaded at start-up.</summary>
/// <param name="Path">The file (<c>Perms:Policy:Path</c>), or null for Better Auth's built-in defaults.</param>
/// <param name="Bytes">The file's bytes as read, or the defaults' canonical JSON (UTF-8).</param>
/// <param name="Sha256">Lower-case hex SHA-256 of <paramref name="Bytes"/>.</param>
/// <param name="LoadedAt">When the bytes were read.</param>
/// <param name="Document">The parsed policy.</param>
public sealed record LoadedPolicyInfo(string? Path, ReadOnlyMemory<byte> Bytes, string Sha256, DateTimeOffset LoadedAt, PolicyDocument Document);
