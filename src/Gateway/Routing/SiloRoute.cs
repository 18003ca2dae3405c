namespace Perms.Gateway.Routing;

/// <summary>Where a call for one user goes.</summary>
/// <param name="Target">The silo to call.</param>
/// <param name="IsOwner">
/// Whether <paramref name="Target"/> owns the user in the current view; false when the owner is suspected and the call
/// goes to the silo that would own the user without it.
/// </param>
public readonly record struct SiloRoute(SiloAddress Target, bool IsOwner);
