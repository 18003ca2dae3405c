namespace Perms.Grains.Data;

/// <summary>How serious a schema finding is.</summary>
public enum SchemaSeverity
{
    /// <summary>Perms cannot read: a table or column is missing or not readable. Always fatal at start-up.</summary>
    Error,

    /// <summary>A required index is missing: loads work but scan. Fatal or a warning, as configured.</summary>
    MissingIndex,
}
