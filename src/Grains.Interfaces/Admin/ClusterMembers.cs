using System.Collections.Immutable;

namespace Perms.Grains.Interfaces.Admin;

/// <summary>The Orleans cluster as this silo's membership sees it.</summary>
/// <param name="Clustering">How silos find each other: <c>localhost</c> or <c>postgres</c>.</param>
/// <param name="Version">The membership version (Orleans').</param>
/// <param name="Self">This silo's Orleans address.</param>
/// <param name="Silos">Every silo the membership lists that is not dead, sorted by address.</param>
public sealed record ClusterMembers(string Clustering, long Version, string Self, ImmutableArray<MemberSilo> Silos);
