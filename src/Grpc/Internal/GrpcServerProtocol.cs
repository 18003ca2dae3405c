using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Perms.Grpc.Internal;

/// <summary>What every gRPC method checks before it reads the request: protocol, content-type, deadline.</summary>
internal static class GrpcServerProtocol
{
    /// <summary>
    /// Refuses what is not a gRPC call over HTTP/2: another HTTP version gets 426 Upgrade Required, a content-type other
    /// than <c>application/grpc</c> or <c>application/grpc+proto</c> gets 415 Unsupported Media Type (PROTOCOL-HTTP2.md:
    /// "gRPC servers SHOULD respond with HTTP status of 415"). Both carry grpc-status INTERNAL and a grpc-message naming
    /// the problem, as grpc-dotnet does, so a gRPC client that reads grpc-status before the HTTP status learns why.
    /// </summary>
    /// <returns>True when the call may go on.</returns>
    public static bool TryAccept(HttpContext httpContext, GrpcServerRuntime runtime)
    {
        var request = httpContext.Request;
        if (!HttpProtocol.IsHttp2(request.Protocol) && !HttpProtocol.IsHttp3(request.Protocol))
        {
            GrpcServerLog.UnsupportedProtocol(runtime.Logger, request.Protocol, request.Path.Value ?? "/");
            httpContext.Response.Headers[HeaderNames.Upgrade] = request.IsHttps ? "h2" : "h2c";
            WriteHttpError(
                httpContext.Response,
                StatusCodes.Status426UpgradeRequired,
                $"Request protocol '{request.Protocol}' is not supported; gRPC needs HTTP/2.");
            return false;
        }

        if (!GrpcProtocol.IsProtoContentType(request.ContentType))
        {
            GrpcServerLog.UnsupportedContentType(runtime.Logger, request.Path.Value ?? "/", request.ContentType);
            WriteHttpError(
                httpContext.Response,
                StatusCodes.Status415UnsupportedMediaType,
                $"Content-Type '{request.ContentType}' is not supported; gRPC requests use application/grpc or application/grpc+proto.");
            return false;
        }

        // The frame reader bounds what it reads by the message size limit; Kestrel's body size limit (30 MB by default)
        // would only make a configured larger message limit fail with a bare HTTP error.
        if (httpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = null;
        }

        return true;
    }

    /// <summary>
    /// The call's timeout from <c>grpc-timeout</c>. A malformed value is ignored (logged at debug) and the call runs
    /// without a deadline, as gRPC's C core and grpc-dotnet do: the header is advisory, and refusing the call would fail
    /// requests a lenient server answers.
    /// </summary>
    public static TimeSpan? ReadTimeout(HttpContext httpContext, GrpcServerRuntime runtime)
    {
        var values = httpContext.Request.Headers[GrpcProtocol.TimeoutHeader];
        if (values.Count == 0)
        {
            return null;
        }

        if (values.Count == 1 && GrpcTimeout.TryParse(values[0], out var timeout))
        {
            return timeout;
        }

        GrpcServerLog.MalformedTimeoutIgnored(runtime.Logger, values.ToString(), httpContext.Request.Path.Value ?? "/");
        return null;
    }

    /// <summary>A Trailers-Only response written before any call state exists (a deadline already passed, an unknown method).</summary>
    public static void WriteTrailersOnly(HttpResponse response, GrpcStatusCode code, string detail)
    {
        response.StatusCode = StatusCodes.Status200OK;
        var headers = response.Headers;
        headers.ContentType = GrpcProtocol.ContentType;
        headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.AcceptEncodingValue;
        headers[GrpcProtocol.StatusHeader] = GrpcProtocol.StatusString(code);
        headers[GrpcProtocol.MessageHeader] = GrpcPercentEncoding.Encode(detail);
    }

    private static void WriteHttpError(HttpResponse response, int httpStatus, string detail)
    {
        response.StatusCode = httpStatus;
        response.Headers[GrpcProtocol.StatusHeader] = GrpcProtocol.StatusString(GrpcStatusCode.Internal);
        response.Headers[GrpcProtocol.MessageHeader] = GrpcPercentEncoding.Encode(detail);
    }
}
