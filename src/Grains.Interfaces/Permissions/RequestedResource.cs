using System.Collections.Immutable;

namespace Perms.Grains.Interfaces.Permissions;

/// <summary>One entry of a permission request: a resource and the actions wanted on it (all of them are required).</summary>
/// <param name="Resource">The resource, e.g. <c>member</c>.</param>
/// <param name="Actions">The actions, e.g. <c>create</c>, <c>update</c>. Empty means the request is denied, as in Better Auth.</param>
[GenerateSerializer]
[Immutable]
[Alias("perms.RequestedResource")]
public readonly record struct RequestedResource(string Resource, ImmutableArray<string> Actions);
