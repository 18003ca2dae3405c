using System.Net;
using System.Net.Http.Headers;

namespace Perms.UnitTests.Grpc;

/// <summary>Sends hand-made request bodies over HTTP/2 (or HTTP/1.1) and returns the response as it came, trailers and all.</summary>
public sealed class RawGrpcClient : IDisposable
{
    private readonly HttpMessageInvoker _invoker = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }, disposeHandler: true);

    public async Task<RawGrpcResponse> SendAsync(
        Uri address,
        string path,
        byte[] body,
        string? contentType = "application/grpc",
        IReadOnlyList<KeyValuePair<string, string>>? headers = null,
        Version? version = null,
        CancellationToken cancellationToken = default)
    {
        var content = new ByteArrayContent(body);
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("content-type", contentType);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, path))
        {
            Version = version ?? HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Headers.TryAddWithoutValidation("te", "trailers");
        foreach (var header in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        using var response = await _invoker.SendAsync(request, cancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var responseHeaders = Flatten(response.Headers);
        foreach (var header in Flatten(response.Content.Headers))
        {
            responseHeaders[header.Key] = header.Value;
        }

        return new RawGrpcResponse((int)response.StatusCode, responseHeaders, bytes, Flatten(response.TrailingHeaders));
    }

    public void Dispose() => _invoker.Dispose();

    private static Dictionary<string, string> Flatten(HttpHeaders headers)
    {
        var flat = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in headers)
        {
            flat[header.Key] = string.Join(",", header.Value);
        }

        return flat;
    }
}
