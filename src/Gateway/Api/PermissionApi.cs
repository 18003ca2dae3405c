using System.Diagnostics;
using Perms.Api.V1;
using Perms.Gateway.Auditing;
using Perms.Grains.Interfaces.Tracing;
using Perms.Gateway.Validation;
using Perms.Grains.Interfaces.Checks;
using Perms.Grains.Interfaces.Errors;
using Perms.Grpc;

namespace Perms.Gateway.Api;

/// <summary>
/// perms.v1.PermissionService: validates each request, asks the silo's <see cref="IPermissionChecker"/>, and maps
/// the answer. Failures become precise statuses, never decisions: UNAVAILABLE, FAILED_PRECONDITION,
/// INVALID_ARGUMENT (naming the field). This is where a silo decides: each decision is an audit line when
/// <see cref="AuditOptions.Enabled"/>, and each call a span (<see cref="PermsActivitySource"/>) when something listens.
/// </summary>
/// <param name="checker">The silo's checker.</param>
/// <param name="audit">The audit log; null or disabled: nothing is logged per check.</param>
public sealed class PermissionApi(IPermissionChecker checker, AuditLog? audit = null)
{
    /// <summary>The gRPC service name.</summary>
    public const string ServiceName = "perms.v1.PermissionService";

    // Null unless auditing is on: the hot path pays one null check.
    private readonly AuditLog? _audit = audit is { IsEnabled: true } ? audit : null;

    /// <summary>CheckPermission.</summary>
    public async ValueTask<CheckPermissionResponse> CheckPermissionAsync(CheckPermissionRequest request, GrpcCallContext context)
    {
        ThrowIfInvalid(Validate(request));
        using var activity = StartActivity(PermsActivitySource.Check, request.UserId, request.OrganizationId);
        var consistency = ToConsistency(request.Consistency);
        try
        {
            var result = await checker.CheckOrganizationAsync(request.UserId, request.OrganizationId, ApiMapper.ToRequest(request.Permissions), consistency, context.CancellationToken).ConfigureAwait(false);
            _audit?.Decision(CallerOf(context), "CheckPermission", request.UserId, request.OrganizationId, request.Permissions, consistency, result);
            Tag(activity, result);
            return ApiMapper.ToResponse(result, request.Explain);
        }
        catch (Exception e) when (e is StateUnavailableException or InvalidStateException)
        {
            var status = ToStatus(e);
            _audit?.Error(CallerOf(context), "CheckPermission", request.UserId, request.OrganizationId, request.Permissions, consistency, status.Code, status.Detail);
            activity?.SetStatus(ActivityStatusCode.Error, status.Detail);
            throw status;
        }
    }

    /// <summary>CheckPermissions: every item answered or failed on its own, in request order.</summary>
    public async ValueTask<CheckPermissionsResponse> CheckPermissionsAsync(CheckPermissionsRequest request, GrpcCallContext context)
    {
        ThrowIfInvalid(ValidateBatch(request));
        using var activity = PermsActivitySource.Source.StartActivity(PermsActivitySource.CheckBatch);
        activity?.SetTag("perms.batch_size", request.Checks.Count);
        var caller = _audit is null ? null : CallerOf(context);

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
                var error = errors[i]!;
                if (_audit is not null && error.Code != (int)GrpcStatusCode.InvalidArgument)
                {
                    // A malformed item is not a check; one that failed to start (no state) is, like the others, in order.
                    var failed = request.Checks[i];
                    _audit.Error(caller, "CheckPermissions", failed.UserId, failed.OrganizationId, failed.Permissions, ToConsistency(failed.Consistency), (GrpcStatusCode)error.Code, error.Message);
                }

                response.Results.Add(new CheckOutcome { Error = error });
                continue;
            }

            var check = request.Checks[i];
            try
            {
                var result = await task.ConfigureAwait(false);
                _audit?.Decision(caller, "CheckPermissions", check.UserId, check.OrganizationId, check.Permissions, ToConsistency(check.Consistency), result);
                response.Results.Add(new CheckOutcome { Response = ApiMapper.ToResponse(result, check.Explain) });
            }
            catch (Exception e) when (e is StateUnavailableException or InvalidStateException)
            {
                var status = ToStatus(e);
                _audit?.Error(caller, "CheckPermissions", check.UserId, check.OrganizationId, check.Permissions, ToConsistency(check.Consistency), status.Code, status.Detail);
                response.Results.Add(new CheckOutcome { Error = new CheckError { Code = (int)status.Code, Message = status.Detail } });
            }
        }

        return response;
    }

    /// <summary>CheckPlatformPermission.</summary>
    public async ValueTask<CheckPermissionResponse> CheckPlatformPermissionAsync(CheckPlatformPermissionRequest request, GrpcCallContext context)
    {
        ThrowIfInvalid(Validate(request));
        using var activity = StartActivity(PermsActivitySource.CheckPlatform, request.UserId, null);
        var consistency = ToConsistency(request.Consistency);
        try
        {
            var result = await checker.CheckPlatformAsync(request.UserId, ApiMapper.ToRequest(request.Permissions), consistency, context.CancellationToken).ConfigureAwait(false);
            _audit?.Decision(CallerOf(context), "CheckPlatformPermission", request.UserId, null, request.Permissions, consistency, result);
            Tag(activity, result);
            return ApiMapper.ToResponse(result, request.Explain);
        }
        catch (Exception e) when (e is StateUnavailableException or InvalidStateException)
        {
            var status = ToStatus(e);
            _audit?.Error(CallerOf(context), "CheckPlatformPermission", request.UserId, null, request.Permissions, consistency, status.Code, status.Detail);
            activity?.SetStatus(ActivityStatusCode.Error, status.Detail);
            throw status;
        }
    }

    /// <summary>GetMemberships.</summary>
    public async ValueTask<GetMembershipsResponse> GetMembershipsAsync(GetMembershipsRequest request, GrpcCallContext context)
    {
        ThrowIfInvalid(Validate(request));
        using var activity = StartActivity(PermsActivitySource.Memberships, request.UserId, null);
        try
        {
            return ApiMapper.ToResponse(await checker.GetMembershipsAsync(request.UserId, ToConsistency(request.Consistency), context.CancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (e is StateUnavailableException or InvalidStateException)
        {
            var status = ToStatus(e);
            activity?.SetStatus(ActivityStatusCode.Error, status.Detail);
            throw status;
        }
    }

    /// <summary>GetEffectivePermissions.</summary>
    public async ValueTask<GetEffectivePermissionsResponse> GetEffectivePermissionsAsync(GetEffectivePermissionsRequest request, GrpcCallContext context)
    {
        ThrowIfInvalid(Validate(request));
        using var activity = StartActivity(PermsActivitySource.Effective, request.UserId, request.OrganizationId);
        try
        {
            return ApiMapper.ToResponse(await checker.GetEffectivePermissionsAsync(request.UserId, request.OrganizationId, ToConsistency(request.Consistency), context.CancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (e is StateUnavailableException or InvalidStateException)
        {
            var status = ToStatus(e);
            activity?.SetStatus(ActivityStatusCode.Error, status.Detail);
            throw status;
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

    private static string? CallerOf(GrpcCallContext context) => CallerFeature.Of(context.HttpContext);

    private static Activity? StartActivity(string name, string userId, string? organizationId)
    {
        var activity = PermsActivitySource.Source.StartActivity(name);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("perms.user_id", userId);
            if (organizationId is not null)
            {
                activity.SetTag("perms.organization_id", organizationId);
            }
        }

        return activity;
    }

    private static void Tag(Activity? activity, CheckResult result)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("perms.allowed", result.Decision.Allowed);
            activity.SetTag("perms.reason", AuditLog.ReasonName(result.Decision.Reason));
            if (result.Decision.GrantedByRole is { } role)
            {
                activity.SetTag("perms.granted_by_role", role);
            }
        }
    }

    private static GrpcStatusException ToStatus(Exception e) => e switch
    {
        InvalidStateException => new GrpcStatusException(GrpcStatusCode.FailedPrecondition, e.Message),
        _ => new GrpcStatusException(GrpcStatusCode.Unavailable, e.Message),
    };
}
