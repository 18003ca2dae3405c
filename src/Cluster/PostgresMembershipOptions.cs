namespace Perms.Cluster;

/// <summary>Options of <see cref="PostgresMembershipProvider"/>.</summary>
public sealed class PostgresMembershipOptions
{
    /// <summary>Npgsql connection string of a role that may create (or at least write) the membership table. Required.</summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>
    /// The schema of the table <c>silo_membership</c>: Perms' own, never Better Auth's (<c>public</c> is refused).
    /// A lower-case SQL identifier. Default <c>perms</c>.
    /// </summary>
    public string Schema { get; set; } = "perms";

    /// <summary>This silo's address, as the other silos reach it. Required unless <see cref="ObserveOnly"/>.</summary>
    public SiloAddress? Self { get; set; }

    /// <summary>
    /// Only read the live silos, never join (a gateway): no heartbeat row, no table creation — a missing table is an
    /// empty view until a silo creates it. Default false.
    /// </summary>
    public bool ObserveOnly { get; set; }

    /// <summary>How often this silo writes its heartbeat and reads the live silos. Default 5 seconds.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A silo whose last heartbeat is older than this (by the database's clock) is dead. Must exceed
    /// <see cref="HeartbeatInterval"/>; null means three missed heartbeats. Default null.
    /// </summary>
    public TimeSpan? SuspicionTimeout { get; set; }

    /// <summary>The effective suspicion timeout: <see cref="SuspicionTimeout"/>, or three heartbeat intervals.</summary>
    public TimeSpan EffectiveSuspicionTimeout => SuspicionTimeout ?? (HeartbeatInterval * 3);
}
