using System.Collections.Immutable;

namespace Perms.Grains.Interfaces.Policy;

/// <summary>A resource and a list of its actions, as in a statement or a role.</summary>
/// <param name="Resource">The resource name.</param>
/// <param name="Actions">The actions, in declaration order, without repeats.</param>
public sealed record ResourceActions(string Resource, ImmutableArray<string> Actions);
