using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace Perms.Grpc.Internal;

/// <summary>
/// One call of <see cref="GrpcChannel"/>: sends the request, then reads response messages and finally the status, from
/// the trailers or, for a Trailers-Only response, from the headers. Maps transport failures to gRPC statuses.
/// </summary>
internal sealed class GrpcClientCall : IDisposable
{
    /// <summary>The longest local timer (about 49 days); a later deadline is only sent, not enforced here.</summary>
    private static readonly TimeSpan MaxTimerDueTime = TimeSpan.FromMilliseconds(uint.MaxValue - 1.0);

    private readonly HttpRequestMessage _request;
    private readonly CancellationToken _callerToken;
    private readonly CancellationTokenSource? _deadlineSource;
    private readonly int _maxReceiveMessageSize;
    private readonly byte[] _frameHeader = new byte[GrpcProtocol.FrameHeaderSize];
    private HttpResponseMessage? _response;
    private Stream? _body;
    private bool _ended;

    public GrpcClientCall(HttpRequestMessage request, TimeSpan? timeout, int maxReceiveMessageSize, CancellationToken callerToken)
    {
        _request = request;
        _callerToken = callerToken;
        _maxReceiveMessageSize = maxReceiveMessageSize;
        if (timeout is { } due && due <= MaxTimerDueTime)
        {
            _deadlineSource = CancellationTokenSource.CreateLinkedTokenSource(callerToken);
            _deadlineSource.CancelAfter(due);
        }

        Token = _deadlineSource?.Token ?? callerToken;
    }

    /// <summary>Cancelled by the caller or by the deadline.</summary>
    public CancellationToken Token { get; }

    /// <summary>Sends the request and checks the response headers; a Trailers-Only error throws here.</summary>
    public async Task StartAsync(HttpMessageInvoker invoker)
    {
        try
        {
            var response = _response = await invoker.SendAsync(_request, Token).ConfigureAwait(false);

            // An explicit status wins over everything else: a Trailers-Only response carries it in the headers.
            var status = response.Headers.TryGetValues(GrpcProtocol.StatusHeader, out var statusValues) ? First(statusValues) : null;
            if (status is not null)
            {
                _ended = true;
                ThrowIfError(status, response.Headers);
                return;
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new GrpcStatusException(MapHttpStatus(response.StatusCode), $"Bad gRPC response. HTTP status code: {(int)response.StatusCode}");
            }

            var contentType = response.Content.Headers.TryGetValues("content-type", out var types) ? First(types) : null;
            if (!GrpcProtocol.IsGrpcContentType(contentType))
            {
                throw new GrpcStatusException(GrpcStatusCode.Internal, $"Bad gRPC response. Invalid content-type value: {contentType}");
            }

            _body = await response.Content.ReadAsStreamAsync(Token).ConfigureAwait(false);
        }
        catch (Exception e) when (Map(e) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <summary>
    /// The next response message, or null at the end of a stream that ended with OK; a status other than OK throws
    /// <see cref="GrpcStatusException"/>.
    /// </summary>
    public async ValueTask<T?> ReadMessageAsync<T>(MessageParser<T> parser)
        where T : IMessage<T>
    {
        if (_ended)
        {
            return default;
        }

        try
        {
            var body = _body!;
            var read = await body.ReadAtLeastAsync(_frameHeader, GrpcProtocol.FrameHeaderSize, throwOnEndOfStream: false, Token).ConfigureAwait(false);
            if (read == 0)
            {
                _ended = true;
                var trailers = _response!.TrailingHeaders;
                var status = trailers.TryGetValues(GrpcProtocol.StatusHeader, out var values) ? First(values) : null;
                if (status is null)
                {
                    throw new GrpcStatusException(GrpcStatusCode.Internal, "The response ended without a grpc-status.");
                }

                ThrowIfError(status, trailers);
                return default;
            }

            if (read < GrpcProtocol.FrameHeaderSize)
            {
                throw new GrpcStatusException(GrpcStatusCode.Internal, "Incomplete message: the response ended inside a frame header.");
            }

            var flag = _frameHeader[0];
            var length = BinaryPrimitives.ReadUInt32BigEndian(_frameHeader.AsSpan(1));
            if (flag > 1)
            {
                throw new GrpcStatusException(GrpcStatusCode.Internal, $"Invalid compressed flag {flag} in a response frame header.");
            }

            if (length > (uint)_maxReceiveMessageSize)
            {
                throw new GrpcStatusException(GrpcStatusCode.ResourceExhausted, $"Received message larger than max ({length} vs. {_maxReceiveMessageSize})");
            }

            var payload = ArrayPool<byte>.Shared.Rent((int)length);
            try
            {
                read = await body.ReadAtLeastAsync(payload.AsMemory(0, (int)length), (int)length, throwOnEndOfStream: false, Token).ConfigureAwait(false);
                if (read < length)
                {
                    throw new GrpcStatusException(GrpcStatusCode.Internal, "Incomplete message: the response ended inside a message.");
                }

                return flag == 1 ? ParseCompressed(parser, payload, (int)length) : Parse(parser, new ReadOnlySequence<byte>(payload, 0, (int)length));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(payload);
            }
        }
        catch (Exception e) when (Map(e) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <summary>The response's headers, once <see cref="StartAsync"/> has received them.</summary>
    public HttpResponseHeaders? ResponseHeaders => _response?.Headers;

    public void Dispose()
    {
        // Disposing a response whose body was not read to the end resets the stream (RST_STREAM CANCEL): the server's
        // handler sees its token cancelled.
        _response?.Dispose();
        _request.Dispose();
        _deadlineSource?.Dispose();
    }

    private static string? First(IEnumerable<string> values)
    {
        foreach (var value in values)
        {
            return value;
        }

        return null;
    }

    private static void ThrowIfError(string status, HttpHeaders headers)
    {
        if (!GrpcProtocol.TryParseStatus(status, out var code))
        {
            throw new GrpcStatusException(GrpcStatusCode.Internal, $"The response's grpc-status '{status}' is not a number.");
        }

        if (code == GrpcStatusCode.OK)
        {
            return;
        }

        var detail = headers.TryGetValues(GrpcProtocol.MessageHeader, out var messages) ? First(messages) : null;
        throw new GrpcStatusException(code, detail is null ? string.Empty : GrpcPercentEncoding.Decode(detail), CollectMetadata(headers));
    }

    private static List<KeyValuePair<string, string>> CollectMetadata(HttpHeaders headers)
    {
        var metadata = new List<KeyValuePair<string, string>>();
        foreach (var header in headers)
        {
            if (header.Key is GrpcProtocol.StatusHeader or GrpcProtocol.MessageHeader or GrpcProtocol.AcceptEncodingHeader
                or GrpcProtocol.EncodingHeader or "content-type" or "content-length" or "date" or "server")
            {
                continue;
            }

            foreach (var value in header.Value)
            {
                metadata.Add(new(header.Key, value));
            }
        }

        return metadata;
    }

    /// <summary>The HTTP status to gRPC status mapping of the specification, for responses that carry no grpc-status.</summary>
    private static GrpcStatusCode MapHttpStatus(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => GrpcStatusCode.Internal,
        HttpStatusCode.Unauthorized => GrpcStatusCode.Unauthenticated,
        HttpStatusCode.Forbidden => GrpcStatusCode.PermissionDenied,
        HttpStatusCode.NotFound => GrpcStatusCode.Unimplemented,
        HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout
            => GrpcStatusCode.Unavailable,
        _ => GrpcStatusCode.Unknown,
    };

    /// <summary>The RST_STREAM error code to gRPC status mapping of the specification.</summary>
    private static GrpcStatusCode MapHttp2Error(long errorCode) => errorCode switch
    {
        0x7 => GrpcStatusCode.Unavailable,
        0x8 => GrpcStatusCode.Cancelled,
        0xb => GrpcStatusCode.ResourceExhausted,
        0xc => GrpcStatusCode.PermissionDenied,
        _ => GrpcStatusCode.Internal,
    };

    private static T Parse<T>(MessageParser<T> parser, in ReadOnlySequence<byte> payload)
        where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new GrpcStatusException(GrpcStatusCode.Internal, "Failed to deserialize response message: " + e.Message, null, e);
        }
    }

    private T ParseCompressed<T>(MessageParser<T> parser, byte[] payload, int length)
        where T : IMessage<T>
    {
        var encoding = _response!.Headers.TryGetValues(GrpcProtocol.EncodingHeader, out var values) ? First(values) : null;
        if (!string.Equals(encoding, GrpcProtocol.GzipEncoding, StringComparison.Ordinal))
        {
            throw new GrpcStatusException(GrpcStatusCode.Internal, $"The response sent a compressed message with grpc-encoding '{encoding}'; this client decodes gzip only.");
        }

        var plain = GrpcCompression.Decompress(new ReadOnlySequence<byte>(payload, 0, length), _maxReceiveMessageSize, "Received message", out var plainLength);
        try
        {
            return Parse(parser, new ReadOnlySequence<byte>(plain, 0, plainLength));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(plain);
        }
    }

    /// <summary>The exception to throw instead of <paramref name="exception"/>; null to let it through as it is.</summary>
    private Exception? Map(Exception exception)
    {
        if (exception is GrpcStatusException)
        {
            return null;
        }

        if (_callerToken.IsCancellationRequested)
        {
            return exception is OperationCanceledException ? null : new OperationCanceledException("The call was cancelled.", exception, _callerToken);
        }

        if (_deadlineSource is { IsCancellationRequested: true })
        {
            return new GrpcStatusException(GrpcStatusCode.DeadlineExceeded, "Deadline Exceeded", null, exception);
        }

        var protocolError = exception as HttpProtocolException ?? exception.InnerException as HttpProtocolException;
        if (protocolError is not null)
        {
            return new GrpcStatusException(
                MapHttp2Error(protocolError.ErrorCode),
                $"The server reset the call: HTTP/2 error code 0x{protocolError.ErrorCode:x}.",
                null,
                exception);
        }

        return exception switch
        {
            HttpRequestException => new GrpcStatusException(GrpcStatusCode.Unavailable, "Error starting gRPC call: " + exception.Message, null, exception),

            // SocketsHttpHandler's ConnectTimeout: a cancellation carrying a TimeoutException, not the caller's.
            OperationCanceledException { InnerException: TimeoutException timeout } => new GrpcStatusException(GrpcStatusCode.Unavailable, "Error starting gRPC call: " + timeout.Message, null, timeout),
            IOException => new GrpcStatusException(GrpcStatusCode.Unavailable, "Error reading the response: " + exception.Message, null, exception),
            _ => null,
        };
    }
}
