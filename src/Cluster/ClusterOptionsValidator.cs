using Microsoft.Extensions.Options;

namespace Perms.Cluster;

/// <summary>
/// Checks <see cref="ClusterOptions"/> for a silo or a gateway, reporting every problem at once, each naming its key
/// (<c>Perms:Cluster:…</c>) and how to fix it.
/// </summary>
/// <param name="isSilo">A silo needs <c>Self</c> when clustered; a gateway never has one.</param>
public sealed class ClusterOptionsValidator(bool isSilo) : IValidateOptions<ClusterOptions>
{
    /// <summary>Shortest internal token accepted, in characters.</summary>
    public const int MinimumTokenLength = 32;

    private const string Section = ClusterOptions.SectionName;

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var provider = options.Provider?.Trim().ToLowerInvariant();
        if (provider is not (MembershipProviderNames.Static or MembershipProviderNames.Dns or MembershipProviderNames.Postgres))
        {
            failures.Add($"{Section}:Provider '{options.Provider}' is not a membership provider. Use static (one silo or a fixed list), dns (a Kubernetes headless Service) or postgres.");
            return ValidateOptionsResult.Fail(failures);
        }

        SiloAddress? self = null;
        if (options.Self is { } selfText && !SiloAddress.TryParse(selfText, out self))
        {
            failures.Add($"{Section}:Self '{selfText}' is not host:port. Set it to the address other processes reach this silo at, e.g. 10.0.0.7:50051 or $(POD_IP):50051.");
        }

        if (!isSilo && options.Self is not null)
        {
            failures.Add($"{Section}:Self is set, but a gateway is not a silo and never joins the cluster. Remove it.");
        }

        if (isSilo && options.IsClustered && options.Self is null)
        {
            failures.Add($"{Section}:Self is not set and cannot be derived (the server listens on a wildcard address). Set it to this silo's address as the others reach it, e.g. $(POD_IP):50051.");
        }

        var silos = new List<SiloAddress>();
        for (var i = 0; i < options.Silos.Count; i++)
        {
            if (SiloAddress.TryParse(options.Silos[i], out var silo))
            {
                silos.Add(silo);
            }
            else
            {
                failures.Add($"{Section}:Silos:{i} '{options.Silos[i]}' is not host:port, e.g. 10.0.0.7:50051.");
            }
        }

        switch (provider)
        {
            case MembershipProviderNames.Static:
                if (silos.GroupBy(s => s).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
                {
                    failures.Add($"{Section}:Silos names {duplicate.Key} more than once; list each silo once.");
                }

                if (!isSilo && options.Silos.Count == 0)
                {
                    failures.Add($"{Section}:Silos is empty: a gateway needs silos to route to. List them (host:port each), or use the dns or postgres provider.");
                }

                if (isSilo && self is not null && silos.Count > 0 && !silos.Contains(self))
                {
                    failures.Add($"{Section}:Silos does not contain this silo's {Section}:Self {self}; every silo must list the same silos, itself included.");
                }

                break;
            case MembershipProviderNames.Dns:
                failures.AddRange(Prefixed("Dns", new DnsMembershipOptionsValidator().Validate(null, options.Dns)));
                break;
            case MembershipProviderNames.Postgres:
                var postgres = new PostgresMembershipOptions
                {
                    ConnectionString = options.Postgres.ConnectionString,
                    Schema = options.Postgres.Schema,
                    Self = self,
                    ObserveOnly = !isSilo,
                    HeartbeatInterval = options.Postgres.HeartbeatInterval,
                    SuspicionTimeout = options.Postgres.SuspicionTimeout,
                };

                // Self is reported above under its own key.
                failures.AddRange(Prefixed("Postgres", new PostgresMembershipOptionsValidator().Validate(null, postgres)).Where(f => !f.Contains(":Postgres:Self ", StringComparison.Ordinal)));
                break;
        }

        // A gateway always routes, so it always needs the token, even while its silo list is still wrong.
        if (options.IsClustered || !isSilo)
        {
            ValidateToken(options, failures);
        }

        if (options.SuspectDuration <= TimeSpan.Zero)
        {
            failures.Add($"{Section}:SuspectDuration {options.SuspectDuration} must be positive, e.g. 00:00:10.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateToken(ClusterOptions options, List<string> failures)
    {
        if (options.Token is { Length: > 0 } && options.TokenFile is { Length: > 0 })
        {
            failures.Add($"{Section}:Token and {Section}:TokenFile are both set; keep one (TokenFile, a mounted Secret, is preferred).");
            return;
        }

        IReadOnlyList<string> tokens;
        try
        {
            tokens = options.ReadTokens();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            failures.Add($"{Section}:TokenFile '{options.TokenFile}' cannot be read: {e.Message}");
            return;
        }

        if (tokens.Count == 0)
        {
            failures.Add($"{Section}:Token is not set. A cluster's silos authenticate each other's internal calls with a shared secret: set {Section}:TokenFile (a mounted Secret) or {Section}:Token to the same random string of at least {MinimumTokenLength} characters on every silo and gateway.");
        }
        else if (tokens.FirstOrDefault(t => t.Length < MinimumTokenLength) is { } shortToken)
        {
            failures.Add($"{Section}:Token{(tokens.Count > 1 ? "s have one that" : "")} is {shortToken.Length} characters; use at least {MinimumTokenLength} random characters (e.g. openssl rand -hex 32).");
        }
    }

    private static IEnumerable<string> Prefixed(string sub, ValidateOptionsResult result) =>
        result.Failed ? result.Failures.Select(f => $"{Section}:{sub}:{f}") : [];
}
