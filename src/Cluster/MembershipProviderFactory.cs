using Microsoft.Extensions.Logging;

namespace Perms.Cluster;

/// <summary>Creates the membership provider <see cref="ClusterOptions.Provider"/> names.</summary>
public static class MembershipProviderFactory
{
    /// <summary>Creates the provider of validated <paramref name="options"/>.</summary>
    /// <param name="options">Validated by <see cref="ClusterOptionsValidator"/>.</param>
    /// <param name="self">This silo's address; null for a gateway (which observes but never joins).</param>
    /// <param name="loggers">Loggers for the provider.</param>
    /// <param name="timeProvider">The refresh timers' clock.</param>
    public static IMembershipProvider Create(ClusterOptions options, SiloAddress? self, ILoggerFactory loggers, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        return options.Provider.Trim().ToLowerInvariant() switch
        {
            MembershipProviderNames.Dns => new DnsMembershipProvider(options.Dns, loggers.CreateLogger<DnsMembershipProvider>(), timeProvider),
            MembershipProviderNames.Postgres => new PostgresMembershipProvider(
                new PostgresMembershipOptions
                {
                    ConnectionString = options.Postgres.ConnectionString,
                    Schema = options.Postgres.Schema,
                    Self = self,
                    ObserveOnly = self is null,
                    HeartbeatInterval = options.Postgres.HeartbeatInterval,
                    SuspicionTimeout = options.Postgres.SuspicionTimeout,
                },
                loggers.CreateLogger<PostgresMembershipProvider>(),
                timeProvider),
            _ when options.Silos.Count > 0 => new StaticMembershipProvider(options.Silos),
            _ when self is not null => new StaticMembershipProvider([self]),
            _ => throw new InvalidOperationException($"{ClusterOptions.SectionName}:Silos is empty and there is no Self: nothing to route to."),
        };
    }
}
