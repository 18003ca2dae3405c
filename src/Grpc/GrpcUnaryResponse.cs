namespace Perms.Grpc;

/// <summary>A unary call's response message and its header metadata.</summary>
/// <typeparam name="TResponse">The response message.</typeparam>
/// <param name="Message">The response.</param>
/// <param name="Headers">The response's header metadata by lower-case name (gRPC's own <c>grpc-*</c> headers left out).</param>
public sealed record GrpcUnaryResponse<TResponse>(TResponse Message, IReadOnlyDictionary<string, string> Headers);
