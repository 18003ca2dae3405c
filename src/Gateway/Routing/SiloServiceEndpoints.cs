using Google.Protobuf;
using Microsoft.Extensions.Options;
using Perms.Api.V1;
using Perms.Cluster;
using Perms.Gateway.Api;
using Perms.Gateway.Auditing;
using Perms.Grpc;

namespace Perms.Gateway.Routing;

/// <summary>Maps a silo's internal API, through which gateways and other silos reach the grains this silo owns.</summary>
public static class SiloServiceEndpoints
{
    /// <summary>
    /// Maps <see cref="ClusterRouter.InternalServiceName"/> (the public API's methods and messages, answered from this
    /// silo's grains, never forwarded) when the cluster options make this silo one of several. Every call must carry
    /// the cluster's secret; an answer for a user this silo does not own in its own view carries
    /// <c>perms-placement: non-owner</c> (views of different processes can differ for a moment).
    /// </summary>
    public static IEndpointRouteBuilder MapSiloService(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        if (services.GetService<IOptions<ClusterOptions>>()?.Value is not { IsClustered: true })
        {
            return endpoints;
        }

        var api = services.GetRequiredService<PermissionApi>();
        var router = services.GetRequiredService<ClusterRouter>();
        var authenticator = services.GetRequiredService<ClusterAuthenticator>();
        var self = router.Self ?? throw new InvalidOperationException("A silo's router has no Self address.");
        var audited = services.GetService<AuditLog>() is { IsEnabled: true };

        Map(endpoints, authenticator, audited, "CheckPermission", CheckPermissionRequest.Parser, (request, context) => Owned(router, self, request.UserId, context, api.CheckPermissionAsync(request, context)));
        Map(endpoints, authenticator, audited, "CheckPermissions", CheckPermissionsRequest.Parser, (request, context) =>
        {
            foreach (var check in request.Checks)
            {
                if (!IsOwner(router, self, check.UserId))
                {
                    context.AddResponseHeader(ClusterRouter.PlacementHeader, ClusterRouter.NonOwner);
                    break;
                }
            }

            return api.CheckPermissionsAsync(request, context);
        });
        Map(endpoints, authenticator, audited, "CheckPlatformPermission", CheckPlatformPermissionRequest.Parser, (request, context) => Owned(router, self, request.UserId, context, api.CheckPlatformPermissionAsync(request, context)));
        Map(endpoints, authenticator, audited, "GetMemberships", GetMembershipsRequest.Parser, (request, context) => Owned(router, self, request.UserId, context, api.GetMembershipsAsync(request, context)));
        Map(endpoints, authenticator, audited, "GetEffectivePermissions", GetEffectivePermissionsRequest.Parser, (request, context) => Owned(router, self, request.UserId, context, api.GetEffectivePermissionsAsync(request, context)));
        return endpoints;
    }

    private static ValueTask<TResponse> Owned<TResponse>(ClusterRouter router, SiloAddress self, string userId, GrpcCallContext context, ValueTask<TResponse> answer)
    {
        if (!IsOwner(router, self, userId))
        {
            context.AddResponseHeader(ClusterRouter.PlacementHeader, ClusterRouter.NonOwner);
        }

        return answer;
    }

    private static bool IsOwner(ClusterRouter router, SiloAddress self, string userId)
    {
        var view = router.View;
        return view.Silos.IsEmpty || RendezvousPlacement.OwnerOf(userId, view) == self;
    }

    /// <summary>
    /// Marks every error status this silo answers (<see cref="ClusterRouter.AnsweredByHeader"/>), so a router tells it
    /// from an UNAVAILABLE made up by a proxy for a silo it could not reach. A warm answer stays synchronous.
    /// </summary>
    private static GrpcUnaryHandler<TRequest, TResponse> Marked<TRequest, TResponse>(GrpcUnaryHandler<TRequest, TResponse> handler) =>
        (request, context) =>
        {
            ValueTask<TResponse> answer;
            try
            {
                answer = handler(request, context);
            }
            catch
            {
                MarkAnswered(context);
                throw;
            }

            return answer.IsCompletedSuccessfully ? answer : AwaitMarkedAsync(answer, context);
        };

    private static async ValueTask<TResponse> AwaitMarkedAsync<TResponse>(ValueTask<TResponse> answer, GrpcCallContext context)
    {
        try
        {
            return await answer.ConfigureAwait(false);
        }
        catch
        {
            MarkAnswered(context);
            throw;
        }
    }

    private static void MarkAnswered(GrpcCallContext context) => context.AddResponseTrailer(ClusterRouter.AnsweredByHeader, "silo");

    private static string CallerOf(GrpcCallContext context) =>
        context.RequestHeaders.TryGetValue(CallerFeature.Header, out var values) && values.Count == 1 && !string.IsNullOrEmpty(values[0])
            ? Uri.UnescapeDataString(values[0]!)
            : CallerFeature.UnnamedClusterCaller;

    private static void Map<TRequest, TResponse>(
        IEndpointRouteBuilder endpoints,
        ClusterAuthenticator authenticator,
        bool audited,
        string method,
        MessageParser<TRequest> parser,
        GrpcUnaryHandler<TRequest, TResponse> handler)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        endpoints.MapGrpcUnary(ClusterRouter.InternalServiceName, method, parser, Marked(handler), context =>
        {
            if (!authenticator.IsValid(context.RequestHeaders.Authorization))
            {
                MarkAnswered(context);
                throw new GrpcStatusException(GrpcStatusCode.Unauthenticated, "missing or invalid cluster credentials (Perms:Cluster:Token must be the same on every silo and gateway)");
            }

            // A router holding the cluster token names the original caller; only here is that header believed.
            if (audited)
            {
                CallerFeature.Set(context.HttpContext, CallerOf(context));
            }
        });
    }
}
