using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Perms.Grpc.Internal;

/// <summary>Matches only requests whose content-type is gRPC's, so that the UNIMPLEMENTED fallback leaves other POSTs alone.</summary>
internal sealed class GrpcContentTypeRouteConstraint : IRouteConstraint
{
    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
        routeDirection == RouteDirection.IncomingRequest && httpContext is not null && GrpcProtocol.IsGrpcContentType(httpContext.Request.ContentType);
}
