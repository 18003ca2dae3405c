using Microsoft.Extensions.Options;
using Perms.Grains.Caching;
using Perms.Grains.Data;
using Perms.Grains.Permissions;
using Perms.Grains.State;

namespace Perms.Grains;

/// <summary>
/// What every UserGrain and OrganizationGrain of a silo shares, resolved once per silo rather than once per activation
/// (an activation's constructor should cost nothing: hundreds of thousands of them come and go).
/// </summary>
/// <param name="reader">Reads Better Auth's tables.</param>
/// <param name="policy">The compiled policy.</param>
/// <param name="time">The clock.</param>
/// <param name="metrics">The grain metrics.</param>
/// <param name="users">This silo's UserGrain activations.</param>
/// <param name="organizations">This silo's OrganizationGrain activations.</param>
/// <param name="options">Each grain type's lifetime rules (named <see cref="UserSection"/> and <see cref="OrganizationSection"/>).</param>
/// <param name="consistency">The per-request consistency options.</param>
/// <param name="loggerFactory">Where load failures are logged.</param>
public sealed class GrainServices(
    IBetterAuthReader reader,
    CompiledPolicy policy,
    TimeProvider time,
    GrainMetrics metrics,
    LocalActivations<CompiledUserState> users,
    LocalActivations<CompiledOrganizationState> organizations,
    IOptionsMonitor<GrainStateOptions> options,
    IOptions<ConsistencyOptions> consistency,
    ILoggerFactory loggerFactory)
{
    /// <summary>The configuration section of UserGrain lifetimes.</summary>
    public const string UserSection = "Perms:Grains:User";

    /// <summary>The configuration section of OrganizationGrain lifetimes.</summary>
    public const string OrganizationSection = "Perms:Grains:Organization";

    /// <summary>Reads Better Auth's tables.</summary>
    public IBetterAuthReader Reader { get; } = reader;

    /// <summary>The compiled policy.</summary>
    public CompiledPolicy Policy { get; } = policy;

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; } = time;

    /// <summary>The grain metrics.</summary>
    public GrainMetrics Metrics { get; } = metrics;

    /// <summary>This silo's UserGrain activations.</summary>
    public LocalActivations<CompiledUserState> Users { get; } = users;

    /// <summary>This silo's OrganizationGrain activations.</summary>
    public LocalActivations<CompiledOrganizationState> Organizations { get; } = organizations;

    /// <summary>UserGrain lifetimes.</summary>
    public GrainStateOptions UserOptions { get; } = options.Get(UserSection);

    /// <summary>OrganizationGrain lifetimes.</summary>
    public GrainStateOptions OrganizationOptions { get; } = options.Get(OrganizationSection);

    /// <summary>Added to an <c>at_least_as_fresh</c> time (see <see cref="ConsistencyOptions.ClockSkewMargin"/>).</summary>
    public TimeSpan ClockSkewMargin { get; } = consistency.Value.ClockSkewMargin;

    /// <summary>Where load failures are logged.</summary>
    public ILogger Logger { get; } = loggerFactory.CreateLogger("Perms.Grains");
}
