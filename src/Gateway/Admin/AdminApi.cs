using System.Globalization;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Perms.Api.Admin.V1;
using Perms.Gateway.Validation;
using Perms.Grains.Interfaces.Admin;
using Perms.Grains.Interfaces.Policy;
using Perms.Grpc;

namespace Perms.Gateway.Admin;

/// <summary>
/// perms.admin.v1.AdminService: maps the admin messages to <see cref="ISiloAdministration"/> (this silo's grains and
/// policy) and the cluster view to the router's. In a gateway process there is no <see cref="ISiloAdministration"/>:
/// GetClusterView answers, everything else is FAILED_PRECONDITION ("this is a gateway; call a silo"). Authentication
/// happens before these handlers (<see cref="AdminAuthenticator"/>); every field is validated here (INVALID_ARGUMENT
/// naming it).
/// </summary>
public sealed partial class AdminApi
{
    /// <summary>Where the admin filter leaves the authenticated admin's name for the handlers (HttpContext.Items).</summary>
    public const string AdminItem = "perms.admin";

    /// <summary>The gRPC service name.</summary>
    public const string ServiceName = "perms.admin.v1.AdminService";

    /// <summary>Keys sampled per grain type when the request says 0.</summary>
    public const int DefaultSampleSize = 20;

    /// <summary>The most keys sampled per grain type.</summary>
    public const int MaxSampleSize = 1000;


    private readonly ISiloAdministration _silo;
    private readonly ILogger _logger;

    /// <summary>Creates the API over the cluster's administration.</summary>
    /// <param name="silo">The operations (every one acts on the whole cluster).</param>
    /// <param name="logger">Where the admins' changes are logged.</param>
    public AdminApi(ISiloAdministration silo, ILogger<AdminApi>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        _logger = (ILogger?)logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _silo = silo;
    }

    /// <summary>ListActivations.</summary>
    public async ValueTask<ListActivationsResponse> ListActivationsAsync(ListActivationsRequest request, GrpcCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var silo = Silo();
        if (request.SampleSize is < 0 or > MaxSampleSize)
        {
            throw Invalid(string.Create(CultureInfo.InvariantCulture, $"sample_size is {request.SampleSize}; give 0 (for {DefaultSampleSize}) to {MaxSampleSize}"));
        }

        var response = new ListActivationsResponse { Silo = _silo.GetCluster().Self };
        foreach (var summary in await silo.ListActivationsAsync(request.SampleSize == 0 ? DefaultSampleSize : request.SampleSize).ConfigureAwait(false))
        {
            response.GrainTypes.Add(new GrainTypeActivations
            {
                GrainType = summary.GrainType,
                Count = summary.Count,
                EstimatedBytes = summary.EstimatedBytes,
                SampleKeys = { summary.SampleKeys },
            });
        }

        return response;
    }

    /// <summary>DeactivateUser.</summary>
    public async ValueTask<DeactivateUserResponse> DeactivateUserAsync(DeactivateUserRequest request, GrpcCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var silo = Silo();
        if (RequestValidator.Id(request.UserId, "user_id") is { } error)
        {
            throw Invalid(error);
        }

        var deactivated = await silo.DeactivateUserAsync(request.UserId).ConfigureAwait(false);
        LogChange(AdminOf(context), "DeactivateUser", request.UserId, deactivated ? 1 : 0, 0);
        return new DeactivateUserResponse { Deactivated = deactivated, Silo = _silo.GetCluster().Self };
    }

    /// <summary>DeactivateOrganization.</summary>
    public async ValueTask<DeactivateOrganizationResponse> DeactivateOrganizationAsync(DeactivateOrganizationRequest request, GrpcCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var silo = Silo();
        if (RequestValidator.Id(request.OrganizationId, "organization_id") is { } error)
        {
            throw Invalid(error);
        }

        var result = await silo.DeactivateOrganizationAsync(request.OrganizationId).ConfigureAwait(false);
        LogChange(AdminOf(context), "DeactivateOrganization", request.OrganizationId, result.UsersDeactivated, result.OrganizationDeactivated ? 1 : 0);
        return new DeactivateOrganizationResponse
        {
            OrganizationDeactivated = result.OrganizationDeactivated,
            UsersDeactivated = result.UsersDeactivated,
            Silo = _silo.GetCluster().Self,
        };
    }

    /// <summary>FlushAll.</summary>
    public async ValueTask<FlushAllResponse> FlushAllAsync(FlushAllRequest request, GrpcCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = await Silo().FlushAllAsync().ConfigureAwait(false);
        LogChange(AdminOf(context), "FlushAll", "*", result.UsersDeactivated, result.OrganizationsDeactivated);
        return new FlushAllResponse
        {
            UsersDeactivated = result.UsersDeactivated,
            OrganizationsDeactivated = result.OrganizationsDeactivated,
            Silo = _silo.GetCluster().Self,
        };
    }

    /// <summary>GetPolicy.</summary>
    public ValueTask<GetPolicyResponse> GetPolicyAsync(GetPolicyRequest request, GrpcCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var policy = Silo().Policy;
        var document = policy.Document;
        var response = new GetPolicyResponse
        {
            Source = policy.Path is null ? "built-in" : "file",
            Path = policy.Path ?? string.Empty,
            Sha256 = policy.Sha256,
            LoadedAt = Timestamp.FromDateTimeOffset(policy.LoadedAt),
            Text = request.IncludeText ? Encoding.UTF8.GetString(policy.Bytes.Span) : string.Empty,
            OrganizationRoles = { document.Organization.Roles.Select(r => r.Name) },
            AdminRoles = { document.Admin.Roles.Select(r => r.Name) },
            DynamicAccessControl = document.DynamicAccessControl,
            BanMode = document.BanMode == BanMode.Ignore ? "ignore" : "deny",
            Silo = _silo.GetCluster().Self,
        };
        return ValueTask.FromResult(response);
    }

    /// <summary>GetClusterView: the Orleans membership as the answering silo sees it.</summary>
    public ValueTask<GetClusterViewResponse> GetClusterViewAsync(GetClusterViewRequest request, GrpcCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var cluster = _silo.GetCluster();
        var response = new GetClusterViewResponse
        {
            Clustered = cluster.Clustering != "localhost",
            Provider = cluster.Clustering,
            Version = cluster.Version,
            Self = cluster.Self,
            Role = "silo",
        };
        foreach (var member in cluster.Silos)
        {
            response.Silos.Add(new ClusterSilo { Address = member.Address, Suspected = !member.Active, Self = member.Self });
        }

        return ValueTask.FromResult(response);
    }

    private ISiloAdministration Silo() => _silo;

    private static GrpcStatusException Invalid(string message) => new(GrpcStatusCode.InvalidArgument, message);

    private static string AdminOf(GrpcCallContext context) =>
        context.HttpContext.Items.TryGetValue(AdminItem, out var admin) && admin is string name ? name : "unknown";

    // Every change an operator makes is on record: who, what, on which silo, with what effect.
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Admin {Admin} called {Method} on {Target}: {Users} user grains and {Organizations} organization grains deactivated on this silo")]
    private partial void LogChange(string admin, string method, string target, long users, long organizations);
}
