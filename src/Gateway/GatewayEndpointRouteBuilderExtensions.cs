using Google.Protobuf;
using Grpc.Health.V1;
using Perms.Api.V1;
using Perms.Gateway.Api;
using Perms.Gateway.Auditing;
using Perms.Gateway.Auth;
using Perms.Gateway.Health;
using Perms.Grpc;

namespace Perms.Gateway;

/// <summary>Maps the public API and health onto the endpoint routes.</summary>
public static class GatewayEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps perms.v1.PermissionService (every call authenticated, answered through the grains), grpc.health.v1.Health
    /// (open, for probes) and a fallback that answers UNIMPLEMENTED for any other gRPC method.
    /// </summary>
    public static IEndpointRouteBuilder MapPermsGateway(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var health = endpoints.ServiceProvider.GetRequiredService<HealthApi>();
        var authenticator = endpoints.ServiceProvider.GetRequiredService<CallerAuthenticator>();

        // The caller's name is kept for the audit log only.
        var keepCaller = endpoints.ServiceProvider.GetService<AuditLog>() is { IsEnabled: true };

        // Every silo answers every call: Orleans takes each to the user's grain, wherever it is placed.
        var api = endpoints.ServiceProvider.GetRequiredService<PermissionApi>();
        Map(endpoints, authenticator, keepCaller, "CheckPermission", CheckPermissionRequest.Parser, api.CheckPermissionAsync);
        Map(endpoints, authenticator, keepCaller, "CheckPermissions", CheckPermissionsRequest.Parser, api.CheckPermissionsAsync);
        Map(endpoints, authenticator, keepCaller, "CheckPlatformPermission", CheckPlatformPermissionRequest.Parser, api.CheckPlatformPermissionAsync);
        Map(endpoints, authenticator, keepCaller, "GetMemberships", GetMembershipsRequest.Parser, api.GetMembershipsAsync);
        Map(endpoints, authenticator, keepCaller, "GetEffectivePermissions", GetEffectivePermissionsRequest.Parser, api.GetEffectivePermissionsAsync);

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

            // Only the token names the caller: no request metadata is believed for it.
            if (keepCaller)
            {
                CallerFeature.Set(context.HttpContext, caller);
            }
        });
    }
}
