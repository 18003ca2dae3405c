using System.Text;
using Google.Protobuf.Collections;
using Perms.Api.V1;

namespace Perms.Gateway.Validation;

/// <summary>
/// Validates request fields before anything is looked up. Each method returns null when the value is fine, or a
/// message that names the field (as the client spelled it) and says what is wrong — sent back as INVALID_ARGUMENT.
/// </summary>
public static class RequestValidator
{
    /// <summary>An id: non-empty, at most <see cref="RequestLimits.MaxIdBytes"/> UTF-8 bytes, no control characters.</summary>
    public static string? Id(string value, string field)
    {
        if (value.Length == 0)
        {
            return $"{field} is empty";
        }

        if (Encoding.UTF8.GetByteCount(value) > RequestLimits.MaxIdBytes)
        {
            return $"{field} is longer than {RequestLimits.MaxIdBytes} bytes";
        }

        var control = IndexOfControl(value);
        return control >= 0 ? $"{field} contains a control character (U+{(int)value[control]:X4}) at position {control}" : null;
    }

    /// <summary>A google.protobuf.Timestamp that names a real instant: year 1 to 9999, nanos 0 to 999,999,999.</summary>
    public static string? Timestamp(Google.Protobuf.WellKnownTypes.Timestamp value, string field)
    {
        // The range google.protobuf.Timestamp documents, and what DateTimeOffset can hold.
        const long MinSeconds = -62_135_596_800;
        const long MaxSeconds = 253_402_300_799;
        return value.Seconds is < MinSeconds or > MaxSeconds ? $"{field}.seconds is {value.Seconds}; give a time between 0001-01-01 and 9999-12-31 (Unix seconds {MinSeconds} to {MaxSeconds})"
            : value.Nanos is < 0 or > 999_999_999 ? $"{field}.nanos is {value.Nanos}; give 0 to 999999999"
            : null;
    }

    /// <summary>The permissions map: resource and action names bounded and printable, within the documented counts.</summary>
    /// <remarks>An empty map or an empty action list is valid input: Better Auth answers false, and so does Perms (EMPTY_REQUEST).</remarks>
    public static string? Permissions(MapField<string, Actions> permissions, string field)
    {
        if (permissions.Count > RequestLimits.MaxResources)
        {
            return $"{field} has {permissions.Count} resources; at most {RequestLimits.MaxResources} are allowed";
        }

        foreach (var (resource, actions) in permissions)
        {
            var resourceField = $"{field}[\"{Printable(resource)}\"]";
            if (Name(resource, resourceField) is { } resourceError)
            {
                return resourceError;
            }

            if (actions is null)
            {
                continue;
            }

            if (actions.Actions_.Count > RequestLimits.MaxActionsPerResource)
            {
                return $"{resourceField}.actions has {actions.Actions_.Count} actions; at most {RequestLimits.MaxActionsPerResource} are allowed";
            }

            for (var i = 0; i < actions.Actions_.Count; i++)
            {
                if (Name(actions.Actions_[i], $"{resourceField}.actions[{i}]") is { } actionError)
                {
                    return actionError;
                }
            }
        }

        return null;
    }

    private static string? Name(string value, string field)
    {
        if (value.Length == 0)
        {
            return $"{field}: the name is empty";
        }

        if (Encoding.UTF8.GetByteCount(value) > RequestLimits.MaxNameBytes)
        {
            return $"{field}: the name is longer than {RequestLimits.MaxNameBytes} bytes";
        }

        var control = IndexOfControl(value);
        return control >= 0 ? $"{field}: the name contains a control character (U+{(int)value[control]:X4})" : null;
    }

    private static int IndexOfControl(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsControl(value[i]))
            {
                return i;
            }
        }

        return -1;
    }

    // Names go back into error messages: keep them short and without control characters.
    private static string Printable(string value)
    {
        var shortened = value.Length > 64 ? value[..64] + "…" : value;
        return IndexOfControl(shortened) < 0 ? shortened : string.Concat(shortened.Select(c => char.IsControl(c) ? '?' : c));
    }
}
