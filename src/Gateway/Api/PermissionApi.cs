using Perms.Api.V1;
using Perms.Gateway.Validation;
using Perms.Grains.Interfaces.Checks;
using Perms.Grains.Interfaces.Errors;
using Perms.Grpc;

namespace Perms.Gateway.Api;

/// <summary>
/// perms.v1.PermissionService: validates each request, asks the silo's <see cref="IPermissionChecker"/>, and maps
/// the answer. Failures become precise statuses, never decisions: UNAVAILABLE, FAILED_PRECONDITION,
/// INVALID_ARGUMENT (naming the field).
/// </summary>
public sealed class PermissionApi(IPermissionChecker checker)
{
    /// <summary>The gRPC service name.</summary>
    public const string ServiceName = "perms.v1.PermissionService";

    /// <summary>CheckPermission.</summary>
    public async ValueTask<CheckPermissionResponse> CheckPermissionAsync(CheckPermissionRequest request, GrpcCallContext context)
    {
        ThrowIfInvalid(Validate(request));
        try
        {
            var result = await checker.CheckOrganizationAsync(request.UserId, request.OrganizationId, ApiMapper.ToRequest(request.Permissions), ToConsistency(request.Consistency), context.CancellationToken).ConfigureAwait(false);
            return ApiMapper.ToResponse(result, request.Explain);
        }
        catch (Exception e) when (e is StateUnavailableException or InvalidStateException)
        {
            throw ToStatus(e);
        }
    }

    /// <summary>CheckPermissions: every item answered or failed on its own, in request order.</summary>
    public async ValueTask<CheckPermissionsResponse> CheckPermissionsAsync(CheckPermissionsRequest request, GrpcCallContext context)
    {
        ThrowIfInvalid(ValidateBatch(request));

        // Start every check first so cold ones load concurrently; warm ones are already complete.
        var pending = new ValueTask<CheckResult>?[request.Checks.Count];
        var errors = new CheckError?[request.Checks.Count];
        for (var i = 0; i < pending.Length; i++)
        {
            var check = request.Checks[i];
            if (ValidateCheck(check, $"checks[{i}].") is { } invalid)
            {
                errors[i] = new CheckError { Code = (int)GrpcStatusCode.InvalidArgument, Message = invalid };
                continue;
            }

            try
            {
                pending[i] = checker.CheckOrganizationAsync(check.UserId, check.OrganizationId, ApiMapper.ToRequest(check.Permissions), ToConsistency(check.Consistency), context.CancellationToken);
            }
            catch (Exception e) when (e is StateUnavailableException or InvalidStateException)
            {
                var status = ToStatus(e);
                errors[i] = new CheckError { Code = (int)status.Code, Message = status.Detail };
            }
        }

        var response = new CheckPermissionsResponse();
        for (var i = 0; i < pending.Length; i++)
        {
            if (pending[i] is not { } task)
            {
                response.Results.Add(new CheckOutcome { Error = errors[i]! });
                continue;
            }

            try
            {
                response.Results.Add(new CheckOutcome { Response = ApiMapper.ToResponse(await task.ConfigureAwait(false), request.Checks[i].Explain) });
            }
            catch (Exception e) when (e is StateUnavailableException or InvalidStateException)
            {
                var status = ToStatus(e);
                response.Results.Add(new CheckOutcome { Error = new CheckError { Code = (int)status.Code, Message = status.Detail } });
            }
        }

        return response;
    }

    /// <summary>CheckPlatformPermission.</summary>
    public async ValueTask<CheckPermissionResponse> CheckPlatformPermissionAsync(CheckPlatformPermissionRequest request, GrpcCallContext context)
    {
        ThrowIfInvalid(Validate(request));
        try
        {
            var result = await checker.CheckPlatformAsync(request.UserId, ApiMapper.ToRequest(request.Permissions), ToConsistency(request.Consistency), context.CancellationToken).ConfigureAwait(false);
            return ApiMapper.ToResponse(result, request.Explain);
        }
        catch (Exception e) when (e is StateUnavailableException or InvalidStateException)
        {
            throw ToStatus(e);
        }
    }

    /// <summary>GetMemberships.</summary>
    public async ValueTask<GetMembershipsResponse> GetMembershipsAsync(GetMembershipsRequest request, GrpcCallContext context)
    {
        ThrowIfInvalid(Validate(request));
        try
        {
            return ApiMapper.ToResponse(await checker.GetMembershipsAsync(request.UserId, ToConsistency(request.Consistency), context.CancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (e is StateUnavailableException or InvalidStateException)
        {
            throw ToStatus(e);
        }
    }

    /// <summary>GetEffectivePermissions.</summary>
    public async ValueTask<GetEffectivePermissionsResponse> GetEffectivePermissionsAsync(GetEffectivePermissionsRequest request, GrpcCallContext context)
    {
        ThrowIfInvalid(Validate(request));
        try
        {
            return ApiMapper.ToResponse(await checker.GetEffectivePermissionsAsync(request.UserId, request.OrganizationId, ToConsistency(request.Consistency), context.CancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (e is StateUnavailableException or InvalidStateException)
        {
            throw ToStatus(e);
        }
    }

    /// <summary>What is wrong with a CheckPermission request, or null.</summary>
    internal static string? Validate(CheckPermissionRequest request) => ValidateCheck(request, "");

    /// <summary>What is wrong with a CheckPermissions request as a whole (its items are answered one by one), or null.</summary>
    internal static string? ValidateBatch(CheckPermissionsRequest request) => request.Checks.Count > RequestLimits.MaxBatchSize
        ? $"checks has {request.Checks.Count} items; at most {RequestLimits.MaxBatchSize} are allowed"
        : null;

    /// <summary>What is wrong with a CheckPlatformPermission request, or null.</summary>
    internal static string? Validate(CheckPlatformPermissionRequest request) =>
        RequestValidator.Id(request.UserId, "user_id")
        ?? RequestValidator.Permissions(request.Permissions, "permissions")
        ?? Consistency(request.Consistency, "consistency");

    /// <summary>What is wrong with a GetMemberships request, or null.</summary>
    internal static string? Validate(GetMembershipsRequest request) =>
        RequestValidator.Id(request.UserId, "user_id") ?? Consistency(request.Consistency, "consistency");

    /// <summary>What is wrong with a GetEffectivePermissions request, or null.</summary>
    internal static string? Validate(GetEffectivePermissionsRequest request) =>
        RequestValidator.Id(request.UserId, "user_id")
        ?? RequestValidator.Id(request.OrganizationId, "organization_id")
        ?? Consistency(request.Consistency, "consistency");

    /// <summary>What is wrong with one item of a batch (fields named with <paramref name="prefix"/>), or null.</summary>
    internal static string? ValidateCheck(CheckPermissionRequest request, string prefix) =>
        RequestValidator.Id(request.UserId, prefix + "user_id")
        ?? RequestValidator.Id(request.OrganizationId, prefix + "organization_id")
        ?? RequestValidator.Permissions(request.Permissions, prefix + "permissions")
        ?? Consistency(request.Consistency, prefix + "consistency");

    private static string? Consistency(Perms.Api.V1.Consistency? consistency, string field) => consistency?.RequirementCase switch
    {
        // A oneof member set to false asks for nothing: refuse it rather than guess what the caller meant.
        Perms.Api.V1.Consistency.RequirementOneofCase.MinimizeLatency when !consistency.MinimizeLatency => $"{field}.minimize_latency is false; set it to true or leave {field} unset",
        Perms.Api.V1.Consistency.RequirementOneofCase.FullyConsistent when !consistency.FullyConsistent => $"{field}.fully_consistent is false; set it to true, or choose another requirement",
        Perms.Api.V1.Consistency.RequirementOneofCase.AtLeastAsFresh => RequestValidator.Timestamp(consistency.AtLeastAsFresh, field + ".at_least_as_fresh"),
        _ => null,
    };

    // Only called on validated requests.
    private static ReadConsistency ToConsistency(Perms.Api.V1.Consistency? consistency) => consistency?.RequirementCase switch
    {
        Perms.Api.V1.Consistency.RequirementOneofCase.AtLeastAsFresh => ReadConsistency.AtLeastAsFresh(consistency.AtLeastAsFresh.ToDateTimeOffset()),
        Perms.Api.V1.Consistency.RequirementOneofCase.FullyConsistent => ReadConsistency.FullyConsistent,
        _ => ReadConsistency.MinimizeLatency,
    };

    /// <summary>Throws INVALID_ARGUMENT with <paramref name="error"/> when there is one.</summary>
    internal static void ThrowIfInvalid(string? error)
    {
        if (error is not null)
        {
            throw new GrpcStatusException(GrpcStatusCode.InvalidArgument, error);
        }
    }

    private static GrpcStatusException ToStatus(Exception e) => e switch
    {
        InvalidStateException => new GrpcStatusException(GrpcStatusCode.FailedPrecondition, e.Message),
        _ => new GrpcStatusException(GrpcStatusCode.Unavailable, e.Message),
    };
}
