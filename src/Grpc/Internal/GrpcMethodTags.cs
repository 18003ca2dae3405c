namespace Perms.Grpc.Internal;

/// <summary>The <c>rpc.service</c> and <c>rpc.method</c> tags of one mapped method, built once when it is mapped.</summary>
internal sealed class GrpcMethodTags(string service, string method)
{
    public KeyValuePair<string, object?> Service { get; } = new("rpc.service", service);

    public KeyValuePair<string, object?> Method { get; } = new("rpc.method", method);
}
