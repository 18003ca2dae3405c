namespace Perms.Grains.Interfaces.Admin;

/// <summary>One silo of the Orleans membership.</summary>
/// <param name="Address">Its Orleans address (host:silo port@generation).</param>
/// <param name="Name">Its silo name (the pod's name in Kubernetes).</param>
/// <param name="Active">Whether the membership says it is active (not joining, shutting down or suspected).</param>
/// <param name="Self">Whether it is the silo answering.</param>
public sealed record MemberSilo(string Address, string Name, bool Active, bool Self);
