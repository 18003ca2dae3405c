namespace Perms.Grpc;

/// <summary>Handles one unary call: one request message in, one response message out.</summary>
/// <typeparam name="TRequest">The request message.</typeparam>
/// <typeparam name="TResponse">The response message.</typeparam>
/// <param name="request">The request, parsed.</param>
/// <param name="context">The call: headers, deadline, cancellation, response metadata.</param>
/// <returns>
/// The response. Throw <see cref="GrpcStatusException"/> to answer with another status; any other exception answers
/// INTERNAL with a generic message (the exception is logged, its text never sent).
/// </returns>
public delegate ValueTask<TResponse> GrpcUnaryHandler<TRequest, TResponse>(TRequest request, GrpcCallContext context);
