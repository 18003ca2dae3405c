namespace Perms.Gateway.Admin;

/// <summary>Admin API authentication (configuration section <c>Perms:Admin</c>).</summary>
public sealed class AdminAuthenticationOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Perms:Admin";

    /// <summary>
    /// Where the admin tokens are, in the format of <c>Perms:Auth:TokensPath</c>: a directory (one file per operator
    /// or tool, named by it, holding its token) or a file of <c>name token</c> lines. A separate set: no token may be
    /// both a caller and an admin token. Unset (the default): the admin API is off and answers PERMISSION_DENIED.
    /// </summary>
    public string? TokensPath { get; set; }

    /// <summary>How often the tokens are re-read. Default 10 s.</summary>
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Shortest token accepted, in characters. Default 32.</summary>
    public int MinimumTokenLength { get; set; } = 32;
}
