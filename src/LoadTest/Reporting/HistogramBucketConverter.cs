using System.Text.Json;
using System.Text.Json.Serialization;

namespace Perms.LoadTest.Reporting;

/// <summary>
/// Writes a histogram bucket as <c>[upperMicros, count]</c>: tuple element names do not survive compilation, and the
/// compact pair keeps a 4,000-bucket histogram readable.
/// </summary>
internal sealed class HistogramBucketConverter : JsonConverter<(double UpperMicros, long Count)>
{
    /// <inheritdoc/>
    public override (double UpperMicros, long Count) Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray || !reader.Read())
        {
            throw new JsonException("a histogram bucket is an array [upperMicros, count]");
        }

        var upper = reader.GetDouble();
        if (!reader.Read())
        {
            throw new JsonException("a histogram bucket is an array [upperMicros, count]");
        }

        var count = reader.GetInt64();
        if (!reader.Read() || reader.TokenType != JsonTokenType.EndArray)
        {
            throw new JsonException("a histogram bucket is an array of exactly two numbers [upperMicros, count]");
        }

        return (upper, count);
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, (double UpperMicros, long Count) value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        writer.WriteNumberValue(value.UpperMicros);
        writer.WriteNumberValue(value.Count);
        writer.WriteEndArray();
    }
}
