using System.Collections.Immutable;

namespace Perms.Grains.Interfaces.Permissions;

/// <summary>
/// What a caller asks for: resource → actions, like Better Auth's <c>permissions</c> body. The request passes when
/// one single role grants every action on every resource. Immutable; built once per call and evaluated without
/// allocating.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("perms.PermissionRequest")]
public sealed class PermissionRequest
{
    private PermissionRequest(ImmutableArray<RequestedResource> resources)
    {
        Resources = resources;
        IsEmpty = resources.IsEmpty || resources.Any(r => r.Actions.IsDefaultOrEmpty);
    }

    /// <summary>The requested resources in request order.</summary>
    [Id(0)]
    public ImmutableArray<RequestedResource> Resources { get; }

    /// <summary>True when no resource is named, or some resource has no actions: such a request is always denied.</summary>
    [Id(1)]
    public bool IsEmpty { get; }

    /// <summary>Builds a request. A resource named twice has its actions merged (a JSON object cannot name it twice).</summary>
    public static PermissionRequest Create(IEnumerable<KeyValuePair<string, IEnumerable<string>>> permissions)
    {
        ArgumentNullException.ThrowIfNull(permissions);
        var order = new List<string>();
        var byResource = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (resource, actions) in permissions)
        {
            ArgumentNullException.ThrowIfNull(resource);
            ArgumentNullException.ThrowIfNull(actions);
            if (!byResource.TryGetValue(resource, out var list))
            {
                list = [];
                byResource.Add(resource, list);
                order.Add(resource);
            }

            foreach (var action in actions)
            {
                ArgumentNullException.ThrowIfNull(action);
                list.Add(action);
            }
        }

        return new PermissionRequest([.. order.Select(r => new RequestedResource(r, [.. byResource[r]]))]);
    }

    /// <summary>Builds a request from a literal such as <c>("member", ["create", "update"])</c>.</summary>
    public static PermissionRequest Of(params (string Resource, string[] Actions)[] permissions) =>
        Create(permissions.Select(p => new KeyValuePair<string, IEnumerable<string>>(p.Resource, p.Actions)));

    /// <inheritdoc />
    public override string ToString() =>
        "{" + string.Join(", ", Resources.Select(r => $"{r.Resource}: [{string.Join(", ", r.Actions)}]")) + "}";
}
