using Google.Protobuf;
using Grpc.Health.V1;
using Microsoft.Extensions.Options;
using Perms.Api.V1;
using Perms.Cluster;
using Perms.Gateway.Api;
using Perms.Gateway.Auditing;
using Perms.Gateway.Auth;
using Perms.Gateway.Health;
using Perms.Gateway.Routing;
using Perms.Grpc;

namespace Perms.Gateway;

/// <summary>Maps the public API and health onto the endpoint routes.</summary>
public static class GatewayEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps perms.v1.PermissionService (every call authenticated; answered here by a silo alone, else routed to the
    /// owner silo), grpc.health.v1.Health (open, for probes) and a fallback that answers UNIMPLEMENTED for any other
    /// gRPC method. A silo maps its internal API with <see cref="SiloServiceEndpoints.MapSiloService"/> first.
    /// </summary>
    public static IEndpointRouteBuilder MapPermsGateway(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var health = endpoints.ServiceProvider.GetRequiredService<HealthApi>();
        var authenticator = endpoints.ServiceProvider.GetRequiredService<CallerAuthenticator>();
        var clustered = endpoints.ServiceProvider.GetService<IOptions<ClusterOptions>>()?.Value is { IsClustered: true };

        // The caller's name is kept for the audit log, and in a cluster for the owner silo's (the router passes it on).
        var keepCaller = clustered || endpoints.ServiceProvider.GetService<AuditLog>() is { IsEnabled: true };
        if (clustered)
        {
            // One of several silos, or a gateway process: every call goes to the silo owning its user.
            var routing = endpoints.ServiceProvider.GetRequiredService<RoutingPermissionApi>();
            Map(endpoints, authenticator, keepCaller, "CheckPermission", CheckPermissionRequest.Parser, routing.CheckPermissionAsync);
            Map(endpoints, authenticator, keepCaller, "CheckPermissions", CheckPermissionsRequest.Parser, routing.CheckPermissionsAsync);
            Map(endpoints, authenticator, keepCaller, "CheckPlatformPermission", CheckPlatformPermissionRequest.Parser, routing.CheckPlatformPermissionAsync);
            Map(endpoints, authenticator, keepCaller, "GetMemberships", GetMembershipsRequest.Parser, routing.GetMembershipsAsync);
            Map(endpoints, authenticator, keepCaller, "GetEffectivePermissions", GetEffectivePermissionsRequest.Parser, routing.GetEffectivePermissionsAsync);
        }
        else
        {
            // A silo alone answers everything from its own grains.
            var api = endpoints.ServiceProvider.GetRequiredService<PermissionApi>();
            Map(endpoints, authenticator, keepCaller, "CheckPermission", CheckPermissionRequest.Parser, api.CheckPermissionAsync);
            Map(endpoints, authenticator, keepCaller, "CheckPermissions", CheckPermissionsRequest.Parser, api.CheckPermissionsAsync);
            Map(endpoints, authenticator, keepCaller, "CheckPlatformPermission", CheckPlatformPermissionRequest.Parser, api.CheckPlatformPermissionAsync);
            Map(endpoints, authenticator, keepCaller, "GetMemberships", GetMembershipsRequest.Parser, api.GetMembershipsAsync);
            Map(endpoints, authenticator, keepCaller, "GetEffectivePermissions", GetEffectivePermissionsRequest.Parser, api.GetEffectivePermissionsAsync);
        }

        endpoints.MapGrpcUnary<HealthCheckRequest, HealthCheckResponse>(HealthApi.ServiceName, "Check", HealthCheckRequest.Parser, health.CheckAsync);
        endpoints.MapGrpcServerStreaming<HealthCheckRequest, HealthCheckResponse>(HealthApi.ServiceName, "Watch", HealthCheckRequest.Parser, health.WatchAsync);
        endpoints.MapGrpcFallback();
        return endpoints;
    }

    private static void Map<TRequest, TResponse>(
        IEndpointRouteBuilder endpoints,
        CallerAuthenticator authenticator,
        bool keepCaller,
        string method,
        MessageParser<TRequest> parser,
        GrpcUnaryHandler<TRequest, TResponse> handler)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        // Authentication runs before the request is read: an unauthenticated caller never reaches the parser, and gets
        // the same answer for a missing, malformed or unknown token.
        endpoints.MapGrpcUnary(PermissionApi.ServiceName, method, parser, handler, context =>
        {
            if (authenticator.Authenticate(context.RequestHeaders.Authorization) is not { } caller)
            {
                throw new GrpcStatusException(GrpcStatusCode.Unauthenticated, "missing or invalid caller credentials");
            }

            // Only the token names the caller here: a perms-caller header from a client is never read on this service.
            if (keepCaller)
            {
                CallerFeature.Set(context.HttpContext, caller);
            }
        });
    }
}
