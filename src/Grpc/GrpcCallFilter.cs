namespace Perms.Grpc;

/// <summary>
/// Runs before the request message is read (e.g. to check the caller's credentials): throw a
/// <see cref="GrpcStatusException"/> to end the call with that status, so an unauthenticated caller never gets as far
/// as the message parser.
/// </summary>
/// <param name="context">The call.</param>
public delegate void GrpcCallFilter(GrpcCallContext context);
