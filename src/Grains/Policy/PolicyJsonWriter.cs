using System.Collections.Immutable;
using System.Text.Encodings.Web;
using System.Text.Json;
using Perms.Grains.Interfaces.Policy;

namespace Perms.Grains.Policy;

/// <summary>
/// Writes a <see cref="PolicyDocument"/> as a policy file (docs/policy.md) in one canonical form: two-space
/// indentation, <c>\n</c> line ends and a final newline, every key present, statements and roles in the document's
/// order. Better Auth's defaults come out byte for byte as <c>policies/better-auth-default.json</c>, so the hash of
/// that file and of a silo running without a policy file agree. <see cref="PolicyParser"/> reads it back unchanged.
/// </summary>
public static class PolicyJsonWriter
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        NewLine = "\n",
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The canonical UTF-8 JSON of <paramref name="policy"/>.</summary>
    public static byte[] Write(PolicyDocument policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, Options))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("organization");
            WriteAccessControl(writer, policy.Organization);
            writer.WriteStartObject("dynamicAccessControl");
            writer.WriteBoolean("enabled", policy.DynamicAccessControl);
            writer.WriteEndObject();
            writer.WriteEndObject();

            writer.WriteStartObject("admin");
            WriteAccessControl(writer, policy.Admin);
            writer.WriteString("defaultRole", policy.AdminDefaultRole);
            writer.WriteStartArray("adminUserIds");
            foreach (var id in policy.AdminUserIds)
            {
                writer.WriteStringValue(id);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();

            writer.WriteStartObject("bans");
            writer.WriteString("mode", policy.BanMode == BanMode.Ignore ? "ignore" : "deny");
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        stream.WriteByte((byte)'\n');
        return stream.ToArray();
    }

    private static void WriteAccessControl(Utf8JsonWriter writer, AccessControlPolicy policy)
    {
        writer.WriteStartObject("statements");
        WriteStatements(writer, policy.Statements);
        writer.WriteEndObject();
        writer.WriteStartObject("roles");
        foreach (var role in policy.Roles)
        {
            writer.WriteStartObject(role.Name);
            WriteStatements(writer, role.Statements);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteStatements(Utf8JsonWriter writer, ImmutableArray<ResourceActions> statements)
    {
        foreach (var statement in statements)
        {
            writer.WriteStartArray(statement.Resource);
            foreach (var action in statement.Actions)
            {
                writer.WriteStringValue(action);
            }

            writer.WriteEndArray();
        }
    }
}
