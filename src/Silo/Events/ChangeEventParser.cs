using System.Globalization;
using System.Text.Json;

namespace Perms.Silo.Events;

/// <summary>
/// Reads one event (docs/events.md): a JSON object with camelCase fields; unknown fields are ignored. The ids Perms
/// acts on are required — without them the event is malformed and dropped. <c>occurredAt</c> and ids Perms does not
/// act on are checked too, but a problem there is only a warning: dropping an invalidation because its timestamp is
/// unreadable would keep a revoked permission cached until the maximum staleness.
/// </summary>
public static class ChangeEventParser
{
    // Ids are Better Auth's: the gateway accepts at most this many bytes, so a longer id cannot match any grain.
    private const int MaxIdBytes = 255;

    // A payload larger than this is no event of the contract (the biggest is well under 1 KiB).
    private const int MaxPayloadBytes = 64 * 1024;

    /// <summary>Parses <paramref name="payload"/> published on <paramref name="subject"/> (without the prefix).</summary>
    /// <param name="subject">The subject after the configured prefix.</param>
    /// <param name="payload">The message body.</param>
    /// <param name="changeEvent">The event, when the result is true.</param>
    /// <param name="error">Why the event is dropped, naming the field, when the result is false.</param>
    /// <returns>Whether the event can be applied.</returns>
    public static bool TryParse(string subject, ReadOnlySpan<byte> payload, out ChangeEvent? changeEvent, out string? error)
    {
        changeEvent = null;
        if (!ChangeEventSubjects.Kinds.TryGetValue(subject, out var kind))
        {
            error = "unknown subject";
            return false;
        }

        if (payload.Length > MaxPayloadBytes)
        {
            error = $"the payload has {payload.Length} bytes; an event has at most {MaxPayloadBytes}";
            return false;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            error = $"the payload is not JSON: {e.Message}";
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = $"the payload is a JSON {root.ValueKind.ToString().ToLowerInvariant()}; expected an object";
                return false;
            }

            var warnings = new List<string>();
            var (needsUser, needsOrganization) = kind switch
            {
                ChangeEventKind.MemberRoleChanged or ChangeEventKind.MemberRemoved or ChangeEventKind.MemberAdded or ChangeEventKind.TeamMemberChanged => (true, false),
                ChangeEventKind.UserUpdated or ChangeEventKind.UserDeleted => (true, false),
                ChangeEventKind.OrganizationRoleChanged or ChangeEventKind.OrganizationDeleted => (false, true),
                _ => (false, false),
            };
            var mentionsOrganization = kind is ChangeEventKind.MemberRoleChanged or ChangeEventKind.MemberRemoved or ChangeEventKind.MemberAdded or ChangeEventKind.TeamMemberChanged;

            string? userId = null;
            string? organizationId = null;
            if (needsUser && !TryReadId(root, "userId", out userId, out error))
            {
                return false;
            }

            if ((needsOrganization || mentionsOrganization) && !TryReadId(root, "organizationId", out organizationId, out error))
            {
                if (needsOrganization)
                {
                    return false;
                }

                warnings.Add(error!);
            }

            if (kind == ChangeEventKind.TeamMemberChanged && !TryReadId(root, "teamId", out _, out var teamError))
            {
                warnings.Add(teamError!);
            }

            if (root.TryGetProperty("role", out var role) && role.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            {
                warnings.Add($"role is a JSON {role.ValueKind.ToString().ToLowerInvariant()}; expected a string");
            }

            var occurredAt = ReadOccurredAt(root, warnings);
            error = null;
            changeEvent = new ChangeEvent(kind, userId, organizationId, occurredAt, warnings);
            return true;
        }
    }

    private static bool TryReadId(JsonElement root, string name, out string? value, out string? error)
    {
        value = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            error = $"{name} is missing";
            return false;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            error = $"{name} is a JSON {element.ValueKind.ToString().ToLowerInvariant()}; expected a string";
            return false;
        }

        if (!TryGetString(element, out value))
        {
            error = $"{name} is not valid Unicode (a lone surrogate escape)";
            return false;
        }

        if (value.Length == 0)
        {
            error = $"{name} is empty";
            value = null;
            return false;
        }

        if (System.Text.Encoding.UTF8.GetByteCount(value) > MaxIdBytes)
        {
            error = $"{name} is longer than {MaxIdBytes} bytes";
            value = null;
            return false;
        }

        error = null;
        return true;
    }

    private static DateTimeOffset? ReadOccurredAt(JsonElement root, List<string> warnings)
    {
        if (!root.TryGetProperty("occurredAt", out var element))
        {
            warnings.Add("occurredAt is missing");
            return null;
        }

        switch (element.ValueKind)
        {
            case JsonValueKind.String when TryGetString(element, out var text)
                && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed):
                return parsed;
            case JsonValueKind.Number when element.TryGetInt64(out var milliseconds) && milliseconds is >= 0 and <= 253_402_300_799_999:
                return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
            default:
                warnings.Add($"occurredAt is {Describe(element)}; expected an ISO-8601 UTC string or Unix milliseconds");
                return null;
        }
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => TryGetString(element, out var text) ? $"\"{Truncate(text)}\"" : "a string that is not valid Unicode",
        JsonValueKind.Number => element.GetRawText(),
        _ => "a JSON " + element.ValueKind.ToString().ToLowerInvariant(),
    };

    // JSON allows escapes of lone UTF-16 surrogates ("\ud800"); GetString throws on them rather than returning text.
    private static bool TryGetString(JsonElement element, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        try
        {
            value = element.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            value = null;
            return false;
        }
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "…");
}
