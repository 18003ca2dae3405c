namespace Perms.Gateway.Auth;

/// <summary>How callers of the public API prove who they are.</summary>
public enum CallerAuthenticationMode
{
    /// <summary>Bearer tokens per calling service (the default).</summary>
    Tokens,

    /// <summary>No authentication at all: for a developer's machine only. The process says so loudly at start-up.</summary>
    Development,
}
