namespace Perms.Grains.Interfaces.Policy;

/// <summary>How a ban recorded on the user row affects checks.</summary>
public enum BanMode
{
    /// <summary>
    /// Perms' default: a user with <c>banned = true</c> and no <c>banExpires</c>, or one in the future, is denied every
    /// check. A deliberate difference from Better Auth, whose permission checks never read <c>banned</c>.
    /// </summary>
    Deny = 0,

    /// <summary>Better Auth's exact behaviour: bans are not consulted by permission checks.</summary>
    Ignore = 1,
}
