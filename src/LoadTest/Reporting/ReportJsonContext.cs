using System.Text.Json.Serialization;

namespace Perms.LoadTest.Reporting;

/// <summary>The source-generated JSON contract of <see cref="RunReport"/>: camelCase names, enums as strings, indented.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    UseStringEnumConverter = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    Converters = [typeof(HistogramBucketConverter)])]
[JsonSerializable(typeof(RunReport))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;
