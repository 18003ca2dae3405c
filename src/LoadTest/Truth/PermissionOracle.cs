using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text.Json;

namespace Perms.LoadTest.Truth;

/// <summary>
/// The ground truth's rule: Better Auth 1.7's organization <c>hasPermission</c>, re-implemented from its source
/// (<c>plugins/organization/has-permission.mjs</c>, <c>permission.mjs</c>, <c>roles.mjs</c>, <c>access/access.mjs</c>)
/// independently of Perms' engine, plus Perms' ban mode. It reads the organization part of a policy file
/// (docs/policy.md): statements, roles (written out; the harness never relies on defaults), dynamic access control
/// and the ban mode. Thread-safe.
/// </summary>
internal sealed class PermissionOracle
{
    /// <summary>The harness policy's file name (<c>src/LoadTest/harness-policy.json</c>).</summary>
    public const string HarnessPolicyFileName = "harness-policy.json";

    private static readonly Lazy<PermissionOracle> LazyHarness = new(() =>
        Load(FindHarnessPolicy() ?? throw new FileNotFoundException(
            $"{HarnessPolicyFileName} was found neither beside the program nor in src/LoadTest above it; pass the policy file explicitly")));

    private readonly FrozenDictionary<string, FrozenDictionary<string, FrozenSet<string>>> _roles;
    private readonly ConcurrentDictionary<string, string[]> _roleLists = new(StringComparer.Ordinal);

    private PermissionOracle(
        string source,
        IReadOnlyList<(string Resource, string Action)> permissions,
        FrozenDictionary<string, FrozenDictionary<string, FrozenSet<string>>> roles,
        bool dynamicAccessControl,
        bool deniesBannedUsers)
    {
        Source = source;
        Permissions = permissions;
        _roles = roles;
        DynamicAccessControl = dynamicAccessControl;
        DeniesBannedUsers = deniesBannedUsers;
    }

    /// <summary>The oracle over the harness policy (<see cref="FindHarnessPolicy"/>); throws when the file cannot be found.</summary>
    public static PermissionOracle Harness => LazyHarness.Value;

    /// <summary>Where the policy came from (a path, or a label for policies given as text).</summary>
    public string Source { get; }

    /// <summary>Every (resource, action) of <c>organization.statements</c>, in the file's order.</summary>
    public IReadOnlyList<(string Resource, string Action)> Permissions { get; }

    /// <summary>The static role names.</summary>
    public IEnumerable<string> Roles => _roles.Keys;

    /// <summary>Whether <c>organizationRole</c> rows count (<c>organization.dynamicAccessControl.enabled</c>).</summary>
    public bool DynamicAccessControl { get; }

    /// <summary>Whether banned users are denied (<c>bans.mode</c> <c>deny</c>; <c>ignore</c> is Better Auth's own behaviour).</summary>
    public bool DeniesBannedUsers { get; }

    /// <summary>
    /// The harness policy file: beside the program, else <c>src/LoadTest/harness-policy.json</c> in a directory above it
    /// (the repository, when run from its build output). Null when there is none.
    /// </summary>
    public static string? FindHarnessPolicy()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, HarnessPolicyFileName);
        if (File.Exists(beside))
        {
            return beside;
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "src", "LoadTest", HarnessPolicyFileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Reads a policy file. Throws <see cref="FormatException"/> naming the file and the key when the oracle cannot use it.</summary>
    public static PermissionOracle Load(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Reads policy text (JSON with comments, docs/policy.md). Throws <see cref="FormatException"/> naming <paramref name="source"/> and the key.</summary>
    public static PermissionOracle Parse(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new FormatException($"{source}: not JSON ({e.Message})", e);
        }

        using (document)
        {
            var root = document.RootElement;
            var organization = Property(root, "organization", JsonValueKind.Object, source);
            var statements = Property(organization, "statements", JsonValueKind.Object, source);
            var permissions = new List<(string, string)>();
            foreach (var resource in statements.EnumerateObject())
            {
                foreach (var action in Strings(resource.Value, $"organization.statements.{resource.Name}", source))
                {
                    if (!permissions.Contains((resource.Name, action)))
                    {
                        permissions.Add((resource.Name, action));
                    }
                }
            }

            // The harness writes its roles out: Better Auth's `roles` option replaces its defaults, so a policy without
            // them would mean defaults the oracle would have to restate.
            var roles = new Dictionary<string, FrozenDictionary<string, FrozenSet<string>>>(StringComparer.Ordinal);
            foreach (var role in Property(organization, "roles", JsonValueKind.Object, source).EnumerateObject())
            {
                if (role.Value.ValueKind != JsonValueKind.Object)
                {
                    throw new FormatException($"{source}: organization.roles.{role.Name} must be an object");
                }

                roles[role.Name] = role.Value.EnumerateObject().ToFrozenDictionary(
                    g => g.Name,
                    g => Strings(g.Value, $"organization.roles.{role.Name}.{g.Name}", source).ToFrozenSet(StringComparer.Ordinal),
                    StringComparer.Ordinal);
            }

            var dynamic = organization.TryGetProperty("dynamicAccessControl", out var dac)
                && dac.ValueKind == JsonValueKind.Object
                && dac.TryGetProperty("enabled", out var enabled)
                && enabled.ValueKind == JsonValueKind.True;
            var banMode = root.TryGetProperty("bans", out var bans) && bans.TryGetProperty("mode", out var mode) ? mode.GetString() : "deny";
            if (banMode is not ("deny" or "ignore"))
            {
                throw new FormatException($"{source}: bans.mode must be \"deny\" or \"ignore\"");
            }

            return new PermissionOracle(source, permissions, roles.ToFrozenDictionary(StringComparer.Ordinal), dynamic, banMode == "deny");
        }
    }

    /// <summary>
    /// Better Auth's reading of <c>member.role</c>: split on ",", each part trimmed as JavaScript's <c>trim()</c> does,
    /// empty parts dropped (<c>parseRoleList</c>).
    /// </summary>
    public static string[] ParseRoleList(string role)
    {
        ArgumentNullException.ThrowIfNull(role);
        return role.Split(',').Select(JsTrim).Where(r => r.Length > 0).ToArray();
    }

    /// <summary>
    /// Whether a user with this ban state is banned at <paramref name="now"/>: <c>banned</c> and no end, or an end not
    /// yet passed (the admin plugin lifts a ban once <c>banExpires &lt; now</c>).
    /// </summary>
    public static bool IsBannedAt(bool banned, DateTime? banExpires, DateTime now) => banned && (banExpires is null || banExpires.Value >= now);

    /// <summary>One resource and one action: see <see cref="IsAllowed(bool, DateTime?, string?, DynamicRoleSet, IReadOnlyDictionary{string, string[]}, DateTime)"/>.</summary>
    public bool IsAllowed(bool banned, DateTime? banExpires, string? memberRole, DynamicRoleSet organizationRoles, string resource, string action, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(organizationRoles);
        if ((DeniesBannedUsers && IsBannedAt(banned, banExpires, now)) || memberRole is null)
        {
            return false;
        }

        foreach (var role in RoleList(memberRole))
        {
            if (Grants(role, organizationRoles, resource, action))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Better Auth's answer (with Perms' ban mode) for a user asking for <paramref name="request"/> (resource → actions,
    /// all required) in an organization: denied when banned (ban mode <c>deny</c>); denied when not a member
    /// (<paramref name="memberRole"/> null); otherwise allowed iff one single role of the member's role list grants
    /// every requested action. A role is the static role of that name, extended resource by resource by the
    /// organization's dynamic role of the same name when dynamic access control is on. An empty request, an empty
    /// action list, an unknown role, resource or action grant nothing.
    /// </summary>
    public bool IsAllowed(bool banned, DateTime? banExpires, string? memberRole, DynamicRoleSet organizationRoles, IReadOnlyDictionary<string, string[]> request, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(organizationRoles);
        ArgumentNullException.ThrowIfNull(request);
        if ((DeniesBannedUsers && IsBannedAt(banned, banExpires, now)) || memberRole is null || request.Count == 0)
        {
            return false;
        }

        foreach (var role in RoleList(memberRole))
        {
            if (request.All(r => r.Value.Length > 0 && r.Value.All(action => Grants(role, organizationRoles, r.Key, action))))
            {
                return true;
            }
        }

        return false;
    }

    private string[] RoleList(string memberRole) => _roleLists.Count < 4096
        ? _roleLists.GetOrAdd(memberRole, ParseRoleList)
        : _roleLists.TryGetValue(memberRole, out var cached) ? cached : ParseRoleList(memberRole);

    private bool Grants(string role, DynamicRoleSet organizationRoles, string resource, string action)
    {
        if (_roles.TryGetValue(role, out var grants) && grants.TryGetValue(resource, out var actions) && actions.Contains(action))
        {
            return true;
        }

        return DynamicAccessControl && organizationRoles.Actions(role, resource) is { } dynamicActions && dynamicActions.Contains(action);
    }

    private static JsonElement Property(JsonElement element, string name, JsonValueKind kind, string source)
    {
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == kind)
        {
            return value;
        }

        throw new FormatException($"{source}: {name} is missing or not a{(kind == JsonValueKind.Object ? "n object" : $" {kind}")}; the oracle needs organization.statements and organization.roles written out");
    }

    private static IEnumerable<string> Strings(JsonElement element, string key, string source) =>
        element.ValueKind == JsonValueKind.Array && element.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)
            ? element.EnumerateArray().Select(e => e.GetString()!).ToArray()
            : throw new FormatException($"{source}: {key} must be an array of strings");

    /// <summary>JavaScript's <c>String.prototype.trim</c>: white space and line terminators, which differ from .NET's (U+FEFF yes, U+0085 no).</summary>
    private static string JsTrim(string value)
    {
        static bool IsJsSpace(char c) => c is '\t' or '\n' or '\v' or '\f' or '\r' or '\uFEFF' or '\u2028' or '\u2029'
            || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.SpaceSeparator;

        var start = 0;
        var end = value.Length;
        while (start < end && IsJsSpace(value[start]))
        {
            start++;
        }

        while (end > start && IsJsSpace(value[end - 1]))
        {
            end--;
        }

        return value[start..end];
    }
}
