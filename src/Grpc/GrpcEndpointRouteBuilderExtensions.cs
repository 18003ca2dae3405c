using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Perms.Grpc.Internal;

namespace Perms.Grpc;

/// <summary>Maps gRPC methods onto ASP.NET Core endpoints: <c>POST /{service}/{method}</c> over HTTP/2.</summary>
/// <remarks>
/// The wire behaviour, per gRPC's PROTOCOL-HTTP2.md: HTTP/2 only (426 otherwise); content-type application/grpc or
/// application/grpc+proto (415 otherwise); exactly one request message (none, a cut frame or a second message is INTERNAL);
/// a message over <see cref="GrpcServerOptions.MaxReceiveMessageSize"/> is RESOURCE_EXHAUSTED before it is read; gzip
/// messages are decompressed (other encodings are UNIMPLEMENTED), responses are never compressed; a request whose bytes
/// are not the request message is INVALID_ARGUMENT ("request message could not be parsed: ..."; grpc-dotnet says INTERNAL,
/// but the bytes are the client's own bad input); <c>grpc-timeout</c> sets a deadline that cancels the handler's token and
/// ends the call with DEADLINE_EXCEEDED even if the handler ignores the token (nothing the handler writes afterwards is
/// sent); a malformed <c>grpc-timeout</c> is ignored and the call runs without a deadline, as gRPC's C core and
/// grpc-dotnet do. Errors before a response message are sent Trailers-Only; <c>grpc-message</c> is percent-encoded UTF-8.
/// A handler's <see cref="GrpcStatusException"/> is its status; any other exception is INTERNAL with a generic message,
/// logged; a call the client cancelled is not answered.
/// </remarks>
public static class GrpcEndpointRouteBuilderExtensions
{
    private static readonly HttpMethodMetadata PostOnly = new([HttpMethods.Post]);

    /// <summary>Maps a unary method at <c>POST /{service}/{method}</c>.</summary>
    /// <typeparam name="TRequest">The request message.</typeparam>
    /// <typeparam name="TResponse">The response message.</typeparam>
    /// <param name="endpoints">The route builder; <see cref="GrpcServiceCollectionExtensions.AddGrpcWire"/> must have been called.</param>
    /// <param name="service">The fully qualified service name, e.g. <c>perms.v1.PermissionService</c>.</param>
    /// <param name="method">The method name, e.g. <c>CheckPermission</c>.</param>
    /// <param name="parser">The request's parser, e.g. <c>CheckPermissionRequest.Parser</c>.</param>
    /// <param name="handler">The handler.</param>
    /// <param name="filter">Runs before the request is read, e.g. authentication; null for none.</param>
    /// <returns>The endpoint's builder, to add metadata such as authorization.</returns>
    public static IEndpointConventionBuilder MapGrpcUnary<TRequest, TResponse>(
        this IEndpointRouteBuilder endpoints,
        string service,
        string method,
        MessageParser<TRequest> parser,
        GrpcUnaryHandler<TRequest, TResponse> handler,
        GrpcCallFilter? filter = null)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(parser);
        ArgumentNullException.ThrowIfNull(handler);
        var runtime = GetRuntime(endpoints);
        var metadata = new GrpcMethodMetadata(CheckName(service, nameof(service)), CheckName(method, nameof(method)), GrpcMethodType.Unary);
        RequestDelegate requestDelegate = new UnaryServerMethod<TRequest, TResponse>(metadata.Path, new GrpcMethodTags(metadata.Service, metadata.Method), parser, handler, runtime, filter).HandleAsync;
        return Map(endpoints, metadata, requestDelegate);
    }

    /// <summary>Maps a server-streaming method (such as <c>grpc.health.v1.Health/Watch</c>) at <c>POST /{service}/{method}</c>.</summary>
    /// <typeparam name="TRequest">The request message.</typeparam>
    /// <typeparam name="TResponse">The response messages.</typeparam>
    /// <param name="endpoints">The route builder; <see cref="GrpcServiceCollectionExtensions.AddGrpcWire"/> must have been called.</param>
    /// <param name="service">The fully qualified service name.</param>
    /// <param name="method">The method name.</param>
    /// <param name="parser">The request's parser.</param>
    /// <param name="handler">The handler.</param>
    /// <returns>The endpoint's builder, to add metadata such as authorization.</returns>
    public static IEndpointConventionBuilder MapGrpcServerStreaming<TRequest, TResponse>(
        this IEndpointRouteBuilder endpoints,
        string service,
        string method,
        MessageParser<TRequest> parser,
        GrpcServerStreamingHandler<TRequest, TResponse> handler)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(parser);
        ArgumentNullException.ThrowIfNull(handler);
        var runtime = GetRuntime(endpoints);
        var metadata = new GrpcMethodMetadata(CheckName(service, nameof(service)), CheckName(method, nameof(method)), GrpcMethodType.ServerStreaming);
        RequestDelegate requestDelegate = new ServerStreamingServerMethod<TRequest, TResponse>(metadata.Path, new GrpcMethodTags(metadata.Service, metadata.Method), parser, handler, runtime).HandleAsync;
        return Map(endpoints, metadata, requestDelegate);
    }

    /// <summary>
    /// Answers every other POST whose content-type is gRPC's (<c>application/grpc</c>, <c>application/grpc+...</c>) with
    /// UNIMPLEMENTED "unknown service or method /x/y", after every other endpoint; other requests are left to the app.
    /// </summary>
    /// <param name="endpoints">The route builder; <see cref="GrpcServiceCollectionExtensions.AddGrpcWire"/> must have been called.</param>
    /// <returns>The fallback endpoint's builder.</returns>
    public static IEndpointConventionBuilder MapGrpcFallback(this IEndpointRouteBuilder endpoints)
    {
        var runtime = GetRuntime(endpoints);
        var pattern = RoutePatternFactory.Parse(
            "{**grpcUnimplementedPath}",
            defaults: null,
            parameterPolicies: new RouteValueDictionary { ["grpcUnimplementedPath"] = new GrpcContentTypeRouteConstraint() });
        RequestDelegate requestDelegate = new UnimplementedServerMethod(runtime).HandleAsync;
        var builder = endpoints.Map(pattern, requestDelegate);
        builder.WithMetadata(PostOnly);
        builder.WithDisplayName("gRPC - unimplemented");
        builder.Add(static endpoint => ((RouteEndpointBuilder)endpoint).Order = int.MaxValue);
        return builder;
    }

    private static IEndpointConventionBuilder Map(IEndpointRouteBuilder endpoints, GrpcMethodMetadata metadata, RequestDelegate requestDelegate)
    {
        var builder = endpoints.Map(RoutePatternFactory.Parse(metadata.Path), requestDelegate);
        builder.WithMetadata(PostOnly, metadata);
        builder.WithDisplayName("gRPC - " + metadata.Path);
        return builder;
    }

    private static GrpcServerRuntime GetRuntime(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.ServiceProvider.GetService<GrpcServerRuntime>()
            ?? throw new InvalidOperationException(
                "The gRPC wire layer's services are missing. Call services.AddGrpcWire() when configuring the application's services.");
    }

    private static string CheckName(string name, string parameter)
    {
        ArgumentException.ThrowIfNullOrEmpty(name, parameter);
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.'))
            {
                throw new ArgumentException($"'{name}' is not a gRPC name: letters, digits, '_' and '.' only.", parameter);
            }
        }

        return name;
    }
}
