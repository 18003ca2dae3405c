using System.Text.Json;

namespace Perms.Grains.Permissions;

/// <summary>
/// Reads an <c>organizationRole.permission</c> column exactly as Better Auth accepts it:
/// <c>JSON.parse</c>, then zod's <c>record(string, array(string))</c>. A repeated key keeps its last value, as
/// <c>JSON.parse</c> does.
/// </summary>
internal static class DynamicRolePermissionParser
{
    /// <summary>Returns resource → actions in document order, or null with <paramref name="error"/> set.</summary>
    public static List<KeyValuePair<string, string[]>>? TryParse(string? json, out string? error)
    {
        if (json is null)
        {
            error = "the column is NULL; expected a JSON object such as {\"project\":[\"read\"]}";
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            error = $"not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {FirstSentence(e.Message)}";
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = $"expected a JSON object of resource -> actions, found {Describe(root.ValueKind)}";
                return null;
            }

            var result = new List<KeyValuePair<string, string[]>>();
            foreach (var property in root.EnumerateObject())
            {
                string name;
                try
                {
                    name = property.Name;
                }
                catch (InvalidOperationException)
                {
                    error = "a resource name is not valid Unicode";
                    return null;
                }

                if (property.Value.ValueKind != JsonValueKind.Array)
                {
                    error = $"resource \"{name}\": expected an array of action names, found {Describe(property.Value.ValueKind)}";
                    return null;
                }

                var actions = new string[property.Value.GetArrayLength()];
                var index = 0;
                foreach (var item in property.Value.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                    {
                        error = $"resource \"{name}\", action [{index}]: expected a string, found {Describe(item.ValueKind)}";
                        return null;
                    }

                    try
                    {
                        actions[index++] = item.GetString()!;
                    }
                    catch (InvalidOperationException)
                    {
                        // A lone UTF-16 surrogate escape (JSON.parse would accept it); never guess, refuse the row.
                        error = $"resource \"{name}\", action [{index}]: the string is not valid Unicode";
                        return null;
                    }
                }

                var existing = result.FindIndex(r => r.Key == name);
                if (existing >= 0)
                {
                    result[existing] = new(name, actions);
                }
                else
                {
                    result.Add(new(name, actions));
                }
            }

            error = null;
            return result;
        }
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(" Path:", StringComparison.Ordinal);
        return end > 0 ? message[..end] : message;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
