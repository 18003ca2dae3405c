namespace Perms.Grpc;

/// <summary>The status codes of gRPC (<c>doc/statuscodes.md</c> of the gRPC repository), sent as <c>grpc-status</c>.</summary>
public enum GrpcStatusCode
{
    /// <summary>Not an error: the call succeeded.</summary>
    OK = 0,

    /// <summary>The operation was cancelled, typically by the caller.</summary>
    Cancelled = 1,

    /// <summary>An error that fits no other code, or a status from another address space that maps to no code.</summary>
    Unknown = 2,

    /// <summary>The client specified an invalid argument, whatever the state of the system.</summary>
    InvalidArgument = 3,

    /// <summary>The deadline expired before the operation could complete.</summary>
    DeadlineExceeded = 4,

    /// <summary>A requested entity was not found.</summary>
    NotFound = 5,

    /// <summary>The entity the client tried to create already exists.</summary>
    AlreadyExists = 6,

    /// <summary>The caller may not perform the operation.</summary>
    PermissionDenied = 7,

    /// <summary>A resource has been exhausted: a quota, or a message larger than the configured maximum.</summary>
    ResourceExhausted = 8,

    /// <summary>The system is not in a state required for the operation (such as broken data it has to read).</summary>
    FailedPrecondition = 9,

    /// <summary>The operation was aborted, typically because of a concurrency conflict.</summary>
    Aborted = 10,

    /// <summary>The operation was attempted past the valid range.</summary>
    OutOfRange = 11,

    /// <summary>The operation, or the service or method, is not implemented or not supported.</summary>
    Unimplemented = 12,

    /// <summary>An internal error: an invariant of the underlying system (or the protocol) was broken.</summary>
    Internal = 13,

    /// <summary>The service is currently unavailable; a retry with backoff may succeed.</summary>
    Unavailable = 14,

    /// <summary>Unrecoverable data loss or corruption.</summary>
    DataLoss = 15,

    /// <summary>The request does not have valid authentication credentials.</summary>
    Unauthenticated = 16,
}
