namespace Perms.Gateway.Auditing;

/// <summary>The per-decision audit log (configuration section <c>Perms:Audit</c>).</summary>
public sealed class AuditOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Perms:Audit";

    /// <summary>
    /// Whether every decision is logged (one Information line per check, category <c>Perms.Audit</c>, on the silo that
    /// made it). Default false: nothing is logged per successful check.
    /// </summary>
    public bool Enabled { get; set; }
}
