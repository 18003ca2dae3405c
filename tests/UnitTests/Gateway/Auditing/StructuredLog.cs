using Microsoft.Extensions.Logging;

namespace Perms.UnitTests.Gateway.Auditing;

/// <summary>One log entry with its structured fields.</summary>
public sealed record StructuredLog(string Category, LogLevel Level, EventId EventId, string Message, IReadOnlyDictionary<string, object?> Fields)
{
    /// <summary>A field's value as text ("" when absent).</summary>
    public string this[string name] => Fields.TryGetValue(name, out var value) ? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "" : "";
}
