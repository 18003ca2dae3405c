namespace Perms.Grains.Data;

/// <summary>One result of the schema check.</summary>
/// <param name="Severity">Whether Perms can work without it being fixed.</param>
/// <param name="Message">What is wrong, in the configured names.</param>
/// <param name="Ddl">The statement that fixes it, when Perms can say (a missing index).</param>
public sealed record SchemaFinding(SchemaSeverity Severity, string Message, string? Ddl = null);
