using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using Perms.Grains.Interfaces.Policy;
using Perms.Grains.Permissions;

namespace Perms.Grains.Policy;

/// <summary>
/// Reads and validates a policy file (docs/policy.md). Collects every problem before failing, so one run of
/// <c>perms policy check</c> shows them all.
/// </summary>
public static class PolicyParser
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = false,
        MaxDepth = 16,
    };

    /// <summary>Reads and validates the policy file at <paramref name="path"/>.</summary>
    /// <exception cref="PolicyValidationException">The file is missing, unreadable or invalid.</exception>
    public static PolicyDocument ParseFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new PolicyValidationException(path, [new PolicyError("file", $"cannot be read: {e.Message}")]);
        }

        return Parse(bytes, path);
    }

    /// <summary>Parses and validates policy JSON.</summary>
    /// <param name="json">The file's text.</param>
    /// <param name="source">A name for error messages, usually the path.</param>
    /// <exception cref="PolicyValidationException">The policy is invalid.</exception>
    public static PolicyDocument Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Parse(Encoding.UTF8.GetBytes(json), source);
    }

    /// <summary>Parses and validates policy JSON given as UTF-8 bytes.</summary>
    /// <exception cref="PolicyValidationException">The policy is invalid.</exception>
    public static PolicyDocument Parse(ReadOnlyMemory<byte> utf8, string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        try
        {
            _ = StrictUtf8.GetCharCount(utf8.Span);
        }
        catch (System.Text.DecoderFallbackException e)
        {
            throw new PolicyValidationException(source, [new PolicyError($"byte {e.Index + 1}", "the file is not valid UTF-8")]);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, DocumentOptions);
        }
        catch (JsonException e)
        {
            var line = (e.LineNumber ?? 0) + 1;
            var column = (e.BytePositionInLine ?? 0) + 1;
            throw new PolicyValidationException(source, [new PolicyError($"line {line}, column {column}", $"invalid JSON: {WithoutPath(e.Message)}")]);
        }

        using (document)
        {
            var errors = new List<PolicyError>();
            PolicyDocument? policy;
            try
            {
                policy = new Reader(errors).ReadRoot(document.RootElement);
            }
            catch (InvalidOperationException)
            {
                // A "\ud800"-style escape: valid JSON syntax, but no string .NET (or a UTF-8 file) can hold.
                throw new PolicyValidationException(source, [.. errors, new PolicyError("$", "a string or key is not valid Unicode (a lone UTF-16 surrogate escape); fix the escape")]);
            }

            if (errors.Count > 0 || policy is null)
            {
                throw new PolicyValidationException(source, errors);
            }

            return policy;
        }
    }

    private static string WithoutPath(string message)
    {
        // System.Text.Json appends "Path: $ | LineNumber: 3 | BytePositionInLine: 4."; the location is given already.
        var end = message.IndexOf(" Path:", StringComparison.Ordinal);
        return end > 0 ? message[..end] : message;
    }

    private sealed class Reader(List<PolicyError> errors)
    {
        public PolicyDocument? ReadRoot(JsonElement root)
        {
            if (!ExpectObject(root, "$"))
            {
                return null;
            }

            var properties = Properties(root, "$", ["$schema", "organization", "admin", "bans"]);
            var organization = properties.TryGetValue("organization", out var o) ? ReadOrganization(o) : null;
            var admin = properties.TryGetValue("admin", out var a) ? ReadAdmin(a) : null;
            var banMode = properties.TryGetValue("bans", out var b) ? ReadBans(b) : BanMode.Deny;

            return new PolicyDocument(
                organization?.Policy ?? new AccessControlPolicy(BetterAuthDefaults.OrganizationStatements, BetterAuthDefaults.OrganizationRoles),
                organization?.Dynamic ?? false,
                admin?.Policy ?? new AccessControlPolicy(BetterAuthDefaults.AdminStatements, BetterAuthDefaults.AdminRoles),
                admin?.DefaultRole ?? BetterAuthDefaults.AdminDefaultRole,
                admin?.AdminUserIds ?? [],
                banMode);
        }

        private (AccessControlPolicy Policy, bool Dynamic)? ReadOrganization(JsonElement element)
        {
            const string Path = "organization";
            if (!ExpectObject(element, Path))
            {
                return null;
            }

            var properties = Properties(element, Path, ["statements", "roles", "dynamicAccessControl"]);
            var policy = ReadAccessControl(properties, Path, BetterAuthDefaults.OrganizationStatements, BetterAuthDefaults.OrganizationRoles, organizationRoleNames: true);
            var dynamic = false;
            if (properties.TryGetValue("dynamicAccessControl", out var dac) && ExpectObject(dac, Path + ".dynamicAccessControl"))
            {
                var dacProperties = Properties(dac, Path + ".dynamicAccessControl", ["enabled"]);
                if (dacProperties.TryGetValue("enabled", out var enabled))
                {
                    if (enabled.ValueKind is JsonValueKind.True or JsonValueKind.False)
                    {
                        dynamic = enabled.GetBoolean();
                    }
                    else
                    {
                        Error(Path + ".dynamicAccessControl.enabled", $"expected true or false, found {Describe(enabled)}");
                    }
                }
            }

            return (policy, dynamic);
        }

        private (AccessControlPolicy Policy, string DefaultRole, ImmutableArray<string> AdminUserIds)? ReadAdmin(JsonElement element)
        {
            const string Path = "admin";
            if (!ExpectObject(element, Path))
            {
                return null;
            }

            var properties = Properties(element, Path, ["statements", "roles", "defaultRole", "adminUserIds"]);
            var policy = ReadAccessControl(properties, Path, BetterAuthDefaults.AdminStatements, BetterAuthDefaults.AdminRoles, organizationRoleNames: false);

            var defaultRole = BetterAuthDefaults.AdminDefaultRole;
            if (properties.TryGetValue("defaultRole", out var role))
            {
                if (role.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(role.GetString()))
                {
                    Error(Path + ".defaultRole", $"expected a non-empty role name, found {Describe(role)}");
                }
                else
                {
                    defaultRole = role.GetString()!;
                }
            }

            var ids = ImmutableArray<string>.Empty;
            if (properties.TryGetValue("adminUserIds", out var list))
            {
                ids = ReadStringList(list, Path + ".adminUserIds", "user id");
            }

            return (policy, defaultRole, ids);
        }

        private BanMode ReadBans(JsonElement element)
        {
            if (!ExpectObject(element, "bans"))
            {
                return BanMode.Deny;
            }

            var properties = Properties(element, "bans", ["mode"]);
            if (!properties.TryGetValue("mode", out var mode))
            {
                return BanMode.Deny;
            }

            switch (mode.ValueKind == JsonValueKind.String ? mode.GetString() : null)
            {
                case "deny":
                    return BanMode.Deny;
                case "ignore":
                    return BanMode.Ignore;
                default:
                    Error("bans.mode", $"expected \"deny\" or \"ignore\", found {Describe(mode)}");
                    return BanMode.Deny;
            }
        }

        private AccessControlPolicy ReadAccessControl(
            Dictionary<string, JsonElement> properties,
            string path,
            ImmutableArray<ResourceActions> defaultStatements,
            ImmutableArray<RoleDefinition> defaultRoles,
            bool organizationRoleNames)
        {
            var hasStatements = properties.TryGetValue("statements", out var statementsElement);
            var statements = hasStatements ? ReadResourceMap(statementsElement, path + ".statements", null) : defaultStatements;

            if (!properties.TryGetValue("roles", out var rolesElement))
            {
                // As in Better Auth: without `roles` the plugin's default roles apply, whatever the statements.
                return new AccessControlPolicy(statements, defaultRoles);
            }

            if (!hasStatements)
            {
                Error(path + ".roles", $"custom roles need their statements: add {path}.statements (ac.statements in Better Auth)");
            }

            var declared = hasStatements ? statements : default(ImmutableArray<ResourceActions>?);
            var roles = ImmutableArray.CreateBuilder<RoleDefinition>();
            if (!ExpectObject(rolesElement, path + ".roles"))
            {
                return new AccessControlPolicy(statements, []);
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var role in rolesElement.EnumerateObject())
            {
                var rolePath = Append(path + ".roles", role.Name);
                if (!seen.Add(role.Name))
                {
                    Error(rolePath, "duplicate role; each role may be declared once");
                    continue;
                }

                if (role.Name.Length == 0)
                {
                    Error(rolePath, "empty role name");
                    continue;
                }

                if (role.Name.Contains(',', StringComparison.Ordinal))
                {
                    Error(rolePath, "a role name cannot contain ',': Better Auth splits stored roles on commas, so it could never match");
                    continue;
                }

                if (organizationRoleNames && JsString.Trim(role.Name).Length != role.Name.Length)
                {
                    Error(rolePath, "a role name cannot start or end with white space: Better Auth trims member roles, so it could never match");
                    continue;
                }

                roles.Add(new RoleDefinition(role.Name, ReadResourceMap(role.Value, rolePath, declared)));
            }

            return new AccessControlPolicy(statements, roles.ToImmutable());
        }

        /// <summary>Reads resource → actions; with <paramref name="declared"/>, every entry must be declared there.</summary>
        private ImmutableArray<ResourceActions> ReadResourceMap(JsonElement element, string path, ImmutableArray<ResourceActions>? declared)
        {
            if (!ExpectObject(element, path))
            {
                return [];
            }

            var result = ImmutableArray.CreateBuilder<ResourceActions>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var resource in element.EnumerateObject())
            {
                var resourcePath = Append(path, resource.Name);
                if (!seen.Add(resource.Name))
                {
                    Error(resourcePath, "duplicate resource");
                    continue;
                }

                if (resource.Name.Length == 0)
                {
                    Error(resourcePath, "empty resource name");
                    continue;
                }

                var actions = ReadStringList(resource.Value, resourcePath, "action");
                if (declared is { } statements)
                {
                    var statement = statements.FirstOrDefault(s => s.Resource == resource.Name);
                    if (statement is null)
                    {
                        Error(resourcePath, $"resource \"{resource.Name}\" is not in the statements; declare it there first");
                        continue;
                    }

                    for (var i = 0; i < actions.Length; i++)
                    {
                        if (!statement.Actions.Contains(actions[i]))
                        {
                            Error($"{resourcePath}[{i}]", $"action \"{actions[i]}\" is not in the statements of \"{resource.Name}\" ({string.Join(", ", statement.Actions)})");
                        }
                    }
                }

                result.Add(new ResourceActions(resource.Name, actions.Distinct(StringComparer.Ordinal).ToImmutableArray()));
            }

            return result.ToImmutable();
        }

        private ImmutableArray<string> ReadStringList(JsonElement element, string path, string what)
        {
            if (element.ValueKind != JsonValueKind.Array)
            {
                Error(path, $"expected an array of {what}s, found {Describe(element)}");
                return [];
            }

            var result = ImmutableArray.CreateBuilder<string>();
            var index = 0;
            foreach (var item in element.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(item.GetString()))
                {
                    Error($"{path}[{index}]", $"expected a non-empty {what}, found {Describe(item)}");
                }
                else
                {
                    result.Add(item.GetString()!);
                }

                index++;
            }

            return result.ToImmutable();
        }

        /// <summary>The object's properties by name; reports unknown keys and repeated keys.</summary>
        private Dictionary<string, JsonElement> Properties(JsonElement element, string path, string[] allowed)
        {
            var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var property in element.EnumerateObject())
            {
                var propertyPath = path == "$" ? property.Name : Append(path, property.Name);
                if (!allowed.Contains(property.Name))
                {
                    Error(propertyPath, $"unknown key; expected {string.Join(", ", allowed.Where(a => a != "$schema"))}");
                }
                else if (!result.TryAdd(property.Name, property.Value))
                {
                    Error(propertyPath, "duplicate key");
                }
            }

            return result;
        }

        private bool ExpectObject(JsonElement element, string path)
        {
            if (element.ValueKind == JsonValueKind.Object)
            {
                return true;
            }

            Error(path, $"expected an object, found {Describe(element)}");
            return false;
        }

        private void Error(string path, string message) => errors.Add(new PolicyError(path, message));

        private static string Append(string path, string name) =>
            name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')
                ? $"{path}.{name}"
                : $"{path}[{JsonSerializer.Serialize(name)}]";

        private static string Describe(JsonElement element) => element.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String => $"the string {element.GetRawText()}",
            JsonValueKind.Number => $"the number {element.GetRawText()}",
            JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
            JsonValueKind.Null => "null",
            _ => "nothing",
        };
    }
}
