using System.Net.Http.Headers;

namespace Perms.Grpc;

/// <summary>A unary call's response message and its header metadata.</summary>
/// <typeparam name="TResponse">The response message.</typeparam>
public sealed class GrpcUnaryResponse<TResponse>
{
    private static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>();
    private readonly HttpResponseHeaders? _headers;
    private IReadOnlyDictionary<string, string>? _metadata;

    internal GrpcUnaryResponse(TResponse message, HttpResponseHeaders? headers)
    {
        Message = message;
        _headers = headers;
    }

    /// <summary>The response.</summary>
    public TResponse Message { get; }

    /// <summary>
    /// The response's header metadata by lower-case name (gRPC's own <c>grpc-*</c> headers left out); built on first
    /// use — <see cref="Header"/> reads one value without building it.
    /// </summary>
    public IReadOnlyDictionary<string, string> Headers => _metadata ??= Collect(_headers);

    /// <summary>The value of the response header <paramref name="name"/> (several joined by commas), or null.</summary>
    public string? Header(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return _headers is not null && _headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
    }

    private static IReadOnlyDictionary<string, string> Collect(HttpResponseHeaders? headers)
    {
        if (headers is null)
        {
            return None;
        }

        Dictionary<string, string>? metadata = null;
        foreach (var (name, values) in headers)
        {
            if (!name.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase))
            {
                (metadata ??= new(StringComparer.OrdinalIgnoreCase))[name.ToLowerInvariant()] = string.Join(",", values);
            }
        }

        return metadata ?? None;
    }
}
