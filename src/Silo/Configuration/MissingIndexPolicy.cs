namespace Perms.Silo.Configuration;

/// <summary>What start-up does about a missing required index.</summary>
public enum MissingIndexPolicy
{
    /// <summary>Log a warning with the CREATE INDEX statement and go on.</summary>
    Warn,

    /// <summary>Refuse to start.</summary>
    Fail,
}
