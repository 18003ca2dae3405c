namespace Perms.Cluster;

/// <summary>
/// How a process finds the silos and talks to them (configuration section <c>Perms:Cluster</c>), shared by silos and
/// gateways. Checked by <see cref="ClusterOptionsValidator"/>.
/// </summary>
public sealed class ClusterOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Perms:Cluster";

    /// <summary><c>static</c> (default), <c>dns</c> or <c>postgres</c>.</summary>
    public string Provider { get; set; } = MembershipProviderNames.Static;

    /// <summary>
    /// This silo's address as the other processes reach it (<c>host:port</c>); silos only. The silo host defaults it
    /// to its listening address when that is not a wildcard; in Kubernetes set it to <c>$(POD_IP):50051</c>.
    /// </summary>
    public string? Self { get; set; }

    /// <summary>The silos of a <c>static</c> cluster (<c>host:port</c> each). Empty: this silo alone, no routing.</summary>
    public List<string> Silos { get; set; } = [];

    /// <summary>The <c>dns</c> provider's options.</summary>
    public DnsMembershipOptions Dns { get; set; } = new();

    /// <summary>The <c>postgres</c> provider's options (its <c>Self</c> comes from <see cref="Self"/>).</summary>
    public PostgresMembershipOptions Postgres { get; set; } = new();

    /// <summary>
    /// The shared secret of the silos' internal API. Prefer <see cref="TokenFile"/> (a mounted Secret). Several
    /// tokens separated by white space rotate a secret without refusals: the first is sent, every one is accepted —
    /// roll out "new old", then "new".
    /// </summary>
    public string? Token { get; set; }

    /// <summary>A file holding the internal API's shared secret(s), as <see cref="Token"/>.</summary>
    public string? TokenFile { get; set; }

    /// <summary>
    /// How long routing skips a silo after a call to it failed in transport (refused, reset), unless it leaves the view
    /// first. Default 10 s: long enough to stop paying a connect failure per call, short enough for a restart.
    /// </summary>
    public TimeSpan SuspectDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether this configuration can hold more than one silo (and so needs routing and the internal API).</summary>
    public bool IsClustered => !string.Equals(Provider, MembershipProviderNames.Static, StringComparison.OrdinalIgnoreCase) || Silos.Count > 0;

    /// <summary>
    /// The internal API's secrets from <see cref="Token"/> or <see cref="TokenFile"/>, the one to send first; empty when
    /// neither is set.
    /// </summary>
    /// <exception cref="IOException">The token file cannot be read.</exception>
    public IReadOnlyList<string> ReadTokens()
    {
        var text = Token is { Length: > 0 } token ? token
            : TokenFile is { Length: > 0 } file ? File.ReadAllText(file)
            : string.Empty;
        return text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
