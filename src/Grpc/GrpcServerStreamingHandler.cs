namespace Perms.Grpc;

/// <summary>Handles one server-streaming call: one request message in, any number of response messages out.</summary>
/// <typeparam name="TRequest">The request message.</typeparam>
/// <typeparam name="TResponse">The response messages.</typeparam>
/// <param name="request">The request, parsed.</param>
/// <param name="writer">Writes the response messages, one at a time.</param>
/// <param name="context">The call: headers, deadline, cancellation, response metadata.</param>
/// <returns>A task that ends the stream with status OK when it completes; see <see cref="GrpcUnaryHandler{TRequest, TResponse}"/> for errors.</returns>
public delegate Task GrpcServerStreamingHandler<TRequest, TResponse>(TRequest request, IGrpcStreamWriter<TResponse> writer, GrpcCallContext context);
