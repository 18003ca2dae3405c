using Google.Protobuf;
using Perms.Api.Admin.V1;
using Perms.Grpc;

namespace Perms.Gateway.Admin;

/// <summary>Maps the admin API onto the endpoint routes.</summary>
public static class AdminEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps perms.admin.v1.AdminService on the gRPC port; every call is authenticated with an admin token before its
    /// request is read. Needs <see cref="AdminServiceCollectionExtensions.AddPermsAdmin"/>.
    /// </summary>
    public static IEndpointRouteBuilder MapPermsAdmin(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var api = endpoints.ServiceProvider.GetRequiredService<AdminApi>();
        var authenticator = endpoints.ServiceProvider.GetRequiredService<AdminAuthenticator>();
        Map(endpoints, authenticator, "ListActivations", ListActivationsRequest.Parser, api.ListActivationsAsync);
        Map(endpoints, authenticator, "DeactivateUser", DeactivateUserRequest.Parser, api.DeactivateUserAsync);
        Map(endpoints, authenticator, "DeactivateOrganization", DeactivateOrganizationRequest.Parser, api.DeactivateOrganizationAsync);
        Map(endpoints, authenticator, "FlushAll", FlushAllRequest.Parser, api.FlushAllAsync);
        Map(endpoints, authenticator, "GetPolicy", GetPolicyRequest.Parser, api.GetPolicyAsync);
        Map(endpoints, authenticator, "GetClusterView", GetClusterViewRequest.Parser, api.GetClusterViewAsync);
        return endpoints;
    }

    private static void Map<TRequest, TResponse>(
        IEndpointRouteBuilder endpoints,
        AdminAuthenticator authenticator,
        string method,
        MessageParser<TRequest> parser,
        GrpcUnaryHandler<TRequest, TResponse> handler)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        endpoints.MapGrpcUnary(AdminApi.ServiceName, method, parser, handler, context =>
            context.HttpContext.Items[AdminApi.AdminItem] = authenticator.Authenticate(context.RequestHeaders.Authorization));
    }
}
