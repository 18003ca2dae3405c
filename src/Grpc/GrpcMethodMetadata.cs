namespace Perms.Grpc;

/// <summary>
/// Endpoint metadata of a mapped gRPC method, so that middleware (authentication, metrics) can tell gRPC endpoints and
/// their methods apart: <c>httpContext.GetEndpoint()?.Metadata.GetMetadata&lt;GrpcMethodMetadata&gt;()</c>.
/// </summary>
/// <param name="Service">The fully qualified service name, e.g. <c>perms.v1.PermissionService</c>.</param>
/// <param name="Method">The method name, e.g. <c>CheckPermission</c>.</param>
/// <param name="Type">Unary or server streaming.</param>
public sealed record GrpcMethodMetadata(string Service, string Method, GrpcMethodType Type)
{
    /// <summary>The request path: <c>/{Service}/{Method}</c>.</summary>
    public string Path => $"/{Service}/{Method}";
}
