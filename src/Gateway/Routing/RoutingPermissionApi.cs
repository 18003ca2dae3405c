using System.Diagnostics;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using Perms.Api.V1;
using Perms.Gateway.Api;
using Perms.Grains.Interfaces.Tracing;
using Perms.Grpc;

namespace Perms.Gateway.Routing;

/// <summary>
/// perms.v1.PermissionService in a cluster: validates each request, then sends it to the silo that owns its user —
/// answered in process when that is this silo (<paramref name="local"/>), else through the owner's internal API. A
/// transport failure suspects the silo and retries once on the next one; a status the silo answered is passed on as it
/// is. Answers not from the owner in this process's view carry <c>perms-placement: non-owner</c>.
/// </summary>
/// <param name="router">The router.</param>
/// <param name="local">This silo's own API when co-hosted in a silo; null in a gateway process.</param>
/// <param name="metrics">Routing metrics.</param>
public sealed class RoutingPermissionApi(ClusterRouter router, PermissionApi? local, RoutingMetrics metrics)
{
    private static readonly string CheckPermissionPath = ClusterRouter.InternalPath("CheckPermission");
    private static readonly string CheckPermissionsPath = ClusterRouter.InternalPath("CheckPermissions");
    private static readonly string CheckPlatformPermissionPath = ClusterRouter.InternalPath("CheckPlatformPermission");
    private static readonly string GetMembershipsPath = ClusterRouter.InternalPath("GetMemberships");
    private static readonly string GetEffectivePermissionsPath = ClusterRouter.InternalPath("GetEffectivePermissions");

    // Made once: a method group converted per call would allocate a delegate on every call.
    private readonly Func<CheckPermissionRequest, GrpcCallContext, ValueTask<CheckPermissionResponse>>? _localCheck = local is null ? null : local.CheckPermissionAsync;
    private readonly Func<CheckPlatformPermissionRequest, GrpcCallContext, ValueTask<CheckPermissionResponse>>? _localPlatform = local is null ? null : local.CheckPlatformPermissionAsync;
    private readonly Func<GetMembershipsRequest, GrpcCallContext, ValueTask<GetMembershipsResponse>>? _localMemberships = local is null ? null : local.GetMembershipsAsync;
    private readonly Func<GetEffectivePermissionsRequest, GrpcCallContext, ValueTask<GetEffectivePermissionsResponse>>? _localEffective = local is null ? null : local.GetEffectivePermissionsAsync;

    /// <summary>CheckPermission.</summary>
    public ValueTask<CheckPermissionResponse> CheckPermissionAsync(CheckPermissionRequest request, GrpcCallContext context)
    {
        PermissionApi.ThrowIfInvalid(PermissionApi.Validate(request));
        return CallAsync(request.UserId, CheckPermissionPath, request, CheckPermissionResponse.Parser, _localCheck, context);
    }

    /// <summary>CheckPlatformPermission.</summary>
    public ValueTask<CheckPermissionResponse> CheckPlatformPermissionAsync(CheckPlatformPermissionRequest request, GrpcCallContext context)
    {
        PermissionApi.ThrowIfInvalid(PermissionApi.Validate(request));
        return CallAsync(request.UserId, CheckPlatformPermissionPath, request, CheckPermissionResponse.Parser, _localPlatform, context);
    }

    /// <summary>GetMemberships.</summary>
    public ValueTask<GetMembershipsResponse> GetMembershipsAsync(GetMembershipsRequest request, GrpcCallContext context)
    {
        PermissionApi.ThrowIfInvalid(PermissionApi.Validate(request));
        return CallAsync(request.UserId, GetMembershipsPath, request, GetMembershipsResponse.Parser, _localMemberships, context);
    }

    /// <summary>GetEffectivePermissions.</summary>
    public ValueTask<GetEffectivePermissionsResponse> GetEffectivePermissionsAsync(GetEffectivePermissionsRequest request, GrpcCallContext context)
    {
        PermissionApi.ThrowIfInvalid(PermissionApi.Validate(request));
        return CallAsync(request.UserId, GetEffectivePermissionsPath, request, GetEffectivePermissionsResponse.Parser, _localEffective, context);
    }

    /// <summary>
    /// CheckPermissions: the valid items are grouped by owner and each group is sent as one batch (concurrently); an
    /// invalid item, or a group whose silo cannot be reached even after the retry, gets its own error in place.
    /// </summary>
    public async ValueTask<CheckPermissionsResponse> CheckPermissionsAsync(CheckPermissionsRequest request, GrpcCallContext context)
    {
        PermissionApi.ThrowIfInvalid(PermissionApi.ValidateBatch(request));
        var outcomes = new CheckOutcome?[request.Checks.Count];
        var groups = new Dictionary<SiloRoute, List<int>>();
        for (var i = 0; i < outcomes.Length; i++)
        {
            var check = request.Checks[i];
            if (PermissionApi.ValidateCheck(check, $"checks[{i}].") is { } invalid)
            {
                outcomes[i] = new CheckOutcome { Error = new CheckError { Code = (int)GrpcStatusCode.InvalidArgument, Message = invalid } };
                continue;
            }

            AddTo(groups, router.Route(check.UserId), i);
        }

        var nonOwner = new StrongBox<bool>();
        var failed = await RunGroupsAsync(request, groups, outcomes, nonOwner, context).ConfigureAwait(false);
        if (failed.Count > 0)
        {
            // Each failed silo is suspected by now: the items are routed again, to the silos taking them over.
            var retries = new Dictionary<SiloRoute, List<int>>();
            foreach (var (route, indexes, _) in failed)
            {
                foreach (var i in indexes)
                {
                    var retry = router.Route(request.Checks[i].UserId);
                    if (retry.Target == route.Target)
                    {
                        outcomes[i] = Unreachable(route.Target);
                        continue;
                    }

                    metrics.Retried();
                    AddTo(retries, retry, i);
                }
            }

            foreach (var (route, indexes, _) in await RunGroupsAsync(request, retries, outcomes, nonOwner, context).ConfigureAwait(false))
            {
                foreach (var i in indexes)
                {
                    outcomes[i] = Unreachable(route.Target);
                }
            }
        }

        // Marked once, after the parts ran concurrently: response metadata is not for concurrent writers.
        MarkIf(nonOwner.Value, context);
        var response = new CheckPermissionsResponse();
        foreach (var outcome in outcomes)
        {
            response.Results.Add(outcome!);
        }

        return response;
    }

    private static void AddTo(Dictionary<SiloRoute, List<int>> groups, SiloRoute route, int index)
    {
        if (!groups.TryGetValue(route, out var indexes))
        {
            groups[route] = indexes = [];
        }

        indexes.Add(index);
    }

    private static CheckOutcome Unreachable(SiloAddress silo) => new()
    {
        Error = new CheckError { Code = (int)GrpcStatusCode.Unavailable, Message = $"the silo owning this user ({silo}) and the next one could not be reached; retry" },
    };

    private static GrpcStatusException Unreachable(SiloAddress first, SiloAddress? second, GrpcStatusException cause) => new(
        GrpcStatusCode.Unavailable,
        second is null
            ? $"the silo owning this user ({first}) could not be reached and no other silo is live: {cause.Detail}"
            : $"the silo owning this user ({first}) and the next one ({second}) could not be reached: {cause.Detail}");

    private async Task<List<(SiloRoute Route, List<int> Indexes, GrpcStatusException Error)>> RunGroupsAsync(
        CheckPermissionsRequest request,
        Dictionary<SiloRoute, List<int>> groups,
        CheckOutcome?[] outcomes,
        StrongBox<bool> nonOwner,
        GrpcCallContext context)
    {
        var failed = new List<(SiloRoute, List<int>, GrpcStatusException)>();
        if (groups.Count == 0)
        {
            return failed;
        }

        var runs = new List<Task<GrpcStatusException?>>(groups.Count);
        var keys = new List<(SiloRoute Route, List<int> Indexes)>(groups.Count);
        foreach (var (route, indexes) in groups)
        {
            keys.Add((route, indexes));
            runs.Add(RunGroupAsync(request, route, indexes, outcomes, nonOwner, context));
        }

        await Task.WhenAll(runs).ConfigureAwait(false);
        for (var g = 0; g < runs.Count; g++)
        {
            if (runs[g].Result is { } error)
            {
                failed.Add((keys[g].Route, keys[g].Indexes, error));
            }
        }

        return failed;
    }

    /// <returns>The transport failure when the silo could not be reached (the group is then unanswered), else null.</returns>
    private async Task<GrpcStatusException?> RunGroupAsync(CheckPermissionsRequest request, SiloRoute route, List<int> indexes, CheckOutcome?[] outcomes, StrongBox<bool> nonOwner, GrpcCallContext context)
    {
        // The request is passed on as it is only when the part is all of it in order (a retry group gathers the items of
        // several failed groups, so its indexes need not be ascending): result j belongs to check indexes[j].
        var part = IsWhole(indexes, request.Checks.Count) ? request : Part(request, indexes);
        CheckPermissionsResponse response;
        try
        {
            if (local is not null && route.Target == router.Self)
            {
                response = await local.CheckPermissionsAsync(part, context).ConfigureAwait(false);
                if (!route.IsOwner)
                {
                    nonOwner.Value = true;
                }
            }
            else
            {
                metrics.Forwarded();
                using var activity = StartRoute(route, CheckPermissionsPath);
                var answer = await router.ForwardAsync(route.Target, CheckPermissionsPath, part, CheckPermissionsResponse.Parser, context).ConfigureAwait(false);
                response = answer.Message;
                if (!route.IsOwner || SaysNonOwner(answer))
                {
                    nonOwner.Value = true;
                }
            }
        }
        catch (GrpcStatusException e) when (ClusterRouter.IsTransportFailure(e) && !context.CancellationToken.IsCancellationRequested)
        {
            router.Suspect(route.Target, e);
            return e;
        }
        catch (GrpcStatusException e) when (e.Code is not (GrpcStatusCode.Cancelled or GrpcStatusCode.DeadlineExceeded))
        {
            // The silo refused the whole part (e.g. it is shutting down): each of its items says so.
            var status = ClusterRouter.ForCaller(e, route.Target);
            foreach (var i in indexes)
            {
                outcomes[i] = new CheckOutcome { Error = new CheckError { Code = (int)status.Code, Message = status.Detail } };
            }

            return null;
        }

        if (response.Results.Count != indexes.Count)
        {
            throw new GrpcStatusException(GrpcStatusCode.Internal, $"silo {route.Target} answered {response.Results.Count} results for {indexes.Count} checks");
        }

        for (var j = 0; j < indexes.Count; j++)
        {
            outcomes[indexes[j]] = response.Results[j];
        }

        return null;
    }

    private static bool IsWhole(List<int> indexes, int count)
    {
        if (indexes.Count != count)
        {
            return false;
        }

        for (var j = 0; j < indexes.Count; j++)
        {
            if (indexes[j] != j)
            {
                return false;
            }
        }

        return true;
    }

    private static CheckPermissionsRequest Part(CheckPermissionsRequest request, List<int> indexes)
    {
        var part = new CheckPermissionsRequest();
        foreach (var i in indexes)
        {
            part.Checks.Add(request.Checks[i]);
        }

        return part;
    }

    private ValueTask<TResponse> CallAsync<TRequest, TResponse>(
        string userId,
        string path,
        TRequest request,
        MessageParser<TResponse> parser,
        Func<TRequest, GrpcCallContext, ValueTask<TResponse>>? localHandler,
        GrpcCallContext context)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        var route = router.Route(userId);
        if (localHandler is not null && route.Target == router.Self)
        {
            // The owner is this silo: no hop, no copy of the request.
            MarkIf(!route.IsOwner, context);
            return localHandler(request, context);
        }

        return ForwardWithRetryAsync(userId, route, path, request, parser, localHandler, context);
    }

    private async ValueTask<TResponse> ForwardWithRetryAsync<TRequest, TResponse>(
        string userId,
        SiloRoute route,
        string path,
        TRequest request,
        MessageParser<TResponse> parser,
        Func<TRequest, GrpcCallContext, ValueTask<TResponse>>? localHandler,
        GrpcCallContext context)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        try
        {
            return await ForwardAsync(route, path, request, parser, context).ConfigureAwait(false);
        }
        catch (GrpcStatusException e) when (ClusterRouter.IsTransportFailure(e) && !context.CancellationToken.IsCancellationRequested)
        {
            router.Suspect(route.Target, e);
            var retry = router.Route(userId);
            if (retry.Target == route.Target)
            {
                throw Unreachable(route.Target, null, e);
            }

            metrics.Retried();
            if (localHandler is not null && retry.Target == router.Self)
            {
                MarkIf(!retry.IsOwner, context);
                return await localHandler(request, context).ConfigureAwait(false);
            }

            try
            {
                return await ForwardAsync(retry, path, request, parser, context).ConfigureAwait(false);
            }
            catch (GrpcStatusException second) when (ClusterRouter.IsTransportFailure(second) && !context.CancellationToken.IsCancellationRequested)
            {
                router.Suspect(retry.Target, second);
                throw Unreachable(route.Target, retry.Target, second);
            }
        }
    }

    private async Task<TResponse> ForwardAsync<TRequest, TResponse>(SiloRoute route, string path, TRequest request, MessageParser<TResponse> parser, GrpcCallContext context)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        metrics.Forwarded();
        using var activity = StartRoute(route, path);
        GrpcUnaryResponse<TResponse> answer;
        try
        {
            answer = await router.ForwardAsync(route.Target, path, request, parser, context).ConfigureAwait(false);
        }
        catch (GrpcStatusException e) when (!ClusterRouter.IsTransportFailure(e))
        {
            throw ClusterRouter.ForCaller(e, route.Target);
        }

        MarkIf(!route.IsOwner || SaysNonOwner(answer), context);
        return answer.Message;
    }

    /// <summary>The span of one forwarded call (its HTTP request, carrying <c>traceparent</c>, is its child); null without listeners.</summary>
    private static Activity? StartRoute(SiloRoute route, string path)
    {
        var activity = PermsActivitySource.Source.StartActivity(PermsActivitySource.Route, ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("perms.silo", route.Target.ToString());
            activity.SetTag("perms.owner", route.IsOwner);
            activity.SetTag("rpc.method", path);
        }

        return activity;
    }

    private static bool SaysNonOwner<TResponse>(GrpcUnaryResponse<TResponse> answer) =>
        answer.Header(ClusterRouter.PlacementHeader) == ClusterRouter.NonOwner;

    private void MarkIf(bool nonOwner, GrpcCallContext context)
    {
        if (nonOwner)
        {
            metrics.NonOwnerAnswer();

            context.AddResponseHeader(ClusterRouter.PlacementHeader, ClusterRouter.NonOwner);
        }
    }
}
