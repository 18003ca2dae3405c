namespace Perms.Gateway.Auth;

/// <summary>Caller authentication (configuration section <c>Perms:Auth</c>).</summary>
public sealed class CallerAuthenticationOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Perms:Auth";

    /// <summary><c>Tokens</c> (default) or <c>Development</c> (no authentication).</summary>
    public CallerAuthenticationMode Mode { get; set; } = CallerAuthenticationMode.Tokens;

    /// <summary>
    /// Where the tokens are: a directory (a mounted Kubernetes Secret: each file is one calling service, named by the
    /// file, holding its token) or a file of lines <c>service-name token</c> (<c>#</c> starts a comment).
    /// Required in <c>Tokens</c> mode.
    /// </summary>
    public string? TokensPath { get; set; }

    /// <summary>How often the tokens are re-read (Secret updates swap files behind symlinks; polling sees them). Default 10 s.</summary>
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Shortest token accepted, in characters. Default 32.</summary>
    public int MinimumTokenLength { get; set; } = 32;
}
