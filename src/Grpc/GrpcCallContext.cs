using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Perms.Grpc.Internal;

namespace Perms.Grpc;

/// <summary>
/// One gRPC call on the server: its HTTP context, method, request headers, deadline and cancellation, and the response
/// metadata the handler adds.
/// </summary>
/// <remarks>
/// Response metadata goes through <see cref="AddResponseHeader"/> and <see cref="AddResponseTrailer"/>, not through
/// <see cref="HttpContext"/>'s response: once the deadline passes the layer answers DEADLINE_EXCEEDED from another
/// thread while a handler that ignores its token may still run, and only these methods are safe then.
/// </remarks>
public sealed class GrpcCallContext
{
    /// <summary>The longest timer a deadline gets (about 49 days); a later deadline is not enforced.</summary>
    private static readonly TimeSpan MaxTimerDueTime = TimeSpan.FromMilliseconds(uint.MaxValue - 1.0);

    private static readonly StringValues ContentTypeValue = new(GrpcProtocol.ContentType);
    private static readonly StringValues AcceptEncodingValue = new(GrpcProtocol.AcceptEncodingValue);

    private readonly GrpcServerRuntime _runtime;
    private readonly CancellationTokenSource? _deadlineSource;

    // Present only with a deadline: then the deadline's DEADLINE_EXCEEDED and the handler's response race, and whoever
    // holds this lock first writes; without a deadline everything is written by the request's own flow.
    private readonly SemaphoreSlim? _responseLock;

    // Guards the metadata lists when a deadline can write them from another thread.
    private readonly Lock? _metadataLock;
    private readonly ITimer? _deadlineTimer;
    private Task? _deadlineTask;
    private List<KeyValuePair<string, string>>? _responseHeaders;
    private List<KeyValuePair<string, string>>? _responseTrailers;
    private int _deadlineExceeded;

    // The grpc-status written (as an int), or -1 before any; read when the call has ended, for the metrics.
    private int _status = -1;
    private bool _responseCompleted;
    private bool _bodyWritten;

    internal GrpcCallContext(HttpContext httpContext, string method, GrpcServerRuntime runtime, TimeSpan? timeout)
    {
        HttpContext = httpContext;
        Method = method;
        _runtime = runtime;
        if (timeout is not { } due)
        {
            CancellationToken = httpContext.RequestAborted;
            return;
        }

        var now = runtime.TimeProvider.GetUtcNow();
        Deadline = due < DateTimeOffset.MaxValue - now ? now + due : DateTimeOffset.MaxValue;
        _deadlineSource = CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted);
        _responseLock = new SemaphoreSlim(1, 1);
        _metadataLock = new Lock();
        CancellationToken = _deadlineSource.Token;
        if (due <= MaxTimerDueTime)
        {
            _deadlineTimer = runtime.TimeProvider.CreateTimer(
                static state => ((GrpcCallContext)state!).OnDeadline(), this, due, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The HTTP/2 request and response. Prefer the members of this class; see the remarks.</summary>
    public HttpContext HttpContext { get; }

    /// <summary>The method's path, e.g. <c>/perms.v1.PermissionService/CheckPermission</c>.</summary>
    public string Method { get; }

    /// <summary>The request's metadata (HTTP/2 headers, including <c>authorization</c> and <c>-bin</c> headers as base64).</summary>
    public IHeaderDictionary RequestHeaders => HttpContext.Request.Headers;

    /// <summary>When the call's <c>grpc-timeout</c> passes; null when the client set none (or a malformed one).</summary>
    public DateTimeOffset? Deadline { get; }

    /// <summary>Cancelled when the client aborts the call or its deadline passes.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>True once the deadline has passed; the call then ends with DEADLINE_EXCEEDED whatever the handler does.</summary>
    internal bool IsDeadlineExceeded => Volatile.Read(ref _deadlineExceeded) != 0;

    /// <summary>
    /// The status the call ended with, read once it has ended: the <c>grpc-status</c> written, or CANCELLED when none
    /// was (the client went away), or UNKNOWN when neither applies.
    /// </summary>
    internal GrpcStatusCode FinalStatus
    {
        get
        {
            var status = Volatile.Read(ref _status);
            if (status >= 0)
            {
                return (GrpcStatusCode)status;
            }

            return HttpContext.RequestAborted.IsCancellationRequested ? GrpcStatusCode.Cancelled : GrpcStatusCode.Unknown;
        }
    }

    /// <summary>Adds a response header, sent with the first response message (or with the status when there is none).</summary>
    /// <param name="name">A lowercase header name; not a reserved one (<c>grpc-*</c>, <c>content-type</c>, pseudo-headers).</param>
    /// <param name="value">Printable ASCII; a name ending in <c>-bin</c> carries base64.</param>
    public void AddResponseHeader(string name, string value)
    {
        ValidateMetadata(name, value);
        if (_metadataLock is null)
        {
            (_responseHeaders ??= []).Add(new(name, value));
            return;
        }

        lock (_metadataLock)
        {
            (_responseHeaders ??= []).Add(new(name, value));
        }
    }

    /// <summary>Adds a response trailer, sent with the status (in the only HEADERS frame of a Trailers-Only response).</summary>
    /// <param name="name">A lowercase header name; not a reserved one (<c>grpc-*</c>, <c>content-type</c>, pseudo-headers).</param>
    /// <param name="value">Printable ASCII; a name ending in <c>-bin</c> carries base64.</param>
    public void AddResponseTrailer(string name, string value)
    {
        ValidateMetadata(name, value);
        if (_metadataLock is null)
        {
            (_responseTrailers ??= []).Add(new(name, value));
            return;
        }

        lock (_metadataLock)
        {
            (_responseTrailers ??= []).Add(new(name, value));
        }
    }

    /// <summary>Takes the right to write the response; false when the call has already ended (its deadline answered).</summary>
    internal ValueTask<bool> EnterResponseAsync()
    {
        if (_responseLock is null)
        {
            return new ValueTask<bool>(!_responseCompleted);
        }

        if (_responseLock.Wait(0))
        {
            return new ValueTask<bool>(CheckEntered());
        }

        return EnterResponseSlowAsync();
    }

    /// <summary>Gives back the right taken by <see cref="EnterResponseAsync"/>; <paramref name="completed"/> when the status is written.</summary>
    internal void ExitResponse(bool completed)
    {
        if (completed)
        {
            _responseCompleted = true;
        }

        _responseLock?.Release();
    }

    /// <summary>Sets the status line and headers of a gRPC response. Call it holding the response, before the body.</summary>
    internal void WriteResponseHeaders(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status200OK;
        var headers = response.Headers;
        headers.ContentType = ContentTypeValue;
        headers[GrpcProtocol.AcceptEncodingHeader] = AcceptEncodingValue;
        AppendMetadata(headers, trailers: false);
    }

    /// <summary>Writes one unary response: headers, the message frame and the OK trailers, unflushed (the end of the request flushes).</summary>
    internal void WriteUnaryResponse(Google.Protobuf.IMessage message, int size)
    {
        var response = HttpContext.Response;
        WriteResponseHeaders(response);
        GrpcProtocol.WriteMessage(response.BodyWriter, message, size);
        _bodyWritten = true;
        WriteStatus(GrpcStatusCode.OK, null, null);
    }

    /// <summary>Marks that a message has been written, so the status goes into trailers.</summary>
    internal void MarkBodyWritten() => _bodyWritten = true;

    /// <summary>
    /// Writes the status: as trailers after a message, or as a Trailers-Only response (one HEADERS frame with END_STREAM
    /// carrying :status 200, content-type and the status) when no message was written. Call it holding the response.
    /// </summary>
    internal void WriteStatus(GrpcStatusCode code, string? detail, IReadOnlyList<KeyValuePair<string, string>>? extraTrailers)
    {
        Volatile.Write(ref _status, (int)code);
        var response = HttpContext.Response;
        if (!_bodyWritten && !response.HasStarted)
        {
            WriteResponseHeaders(response);
            var headers = response.Headers;
            headers[GrpcProtocol.StatusHeader] = GrpcProtocol.StatusString(code);
            if (!string.IsNullOrEmpty(detail))
            {
                headers[GrpcProtocol.MessageHeader] = GrpcPercentEncoding.Encode(detail);
            }

            AppendMetadata(headers, trailers: true);
            AppendAll(headers, extraTrailers);
            return;
        }

        response.AppendTrailer(GrpcProtocol.StatusHeader, GrpcProtocol.StatusString(code));
        if (!string.IsNullOrEmpty(detail))
        {
            response.AppendTrailer(GrpcProtocol.MessageHeader, GrpcPercentEncoding.Encode(detail));
        }

        if (_metadataLock is null)
        {
            AppendTrailers(response, _responseTrailers);
        }
        else
        {
            lock (_metadataLock)
            {
                AppendTrailers(response, _responseTrailers);
            }
        }

        AppendTrailers(response, extraTrailers);
    }

    /// <summary>
    /// Ends a call whose request reading or handler threw: with the exception's status, CANCELLED (not sent) when the
    /// client has gone, or nothing when the deadline has already answered; any other exception is INTERNAL, logged, and
    /// its text never sent.
    /// </summary>
    internal async ValueTask FailAsync(Exception exception)
    {
        if (IsDeadlineExceeded)
        {
            return;
        }

        var logger = _runtime.Logger;
        if (HttpContext.RequestAborted.IsCancellationRequested)
        {
            // Nobody is listening: the stream is already reset.
            GrpcServerLog.ClientCancelled(logger, Method);
            return;
        }

        GrpcStatusCode code;
        string detail;
        IReadOnlyList<KeyValuePair<string, string>>? trailers = null;
        if (exception is GrpcStatusException status)
        {
            code = status.Code;
            detail = status.Detail;
            trailers = status.Trailers;
            GrpcServerLog.CallFailed(logger, Method, code, detail);
        }
        else
        {
            code = GrpcStatusCode.Internal;
            detail = "Exception was thrown by handler.";
            GrpcServerLog.HandlerFailed(logger, Method, exception);
        }

        if (!await EnterResponseAsync().ConfigureAwait(false))
        {
            return;
        }

        try
        {
            WriteStatus(code, detail, trailers);
        }
        finally
        {
            ExitResponse(completed: true);
        }
    }

    /// <summary>Stops the deadline timer and waits until a DEADLINE_EXCEEDED being written is written. Called once, at the end of the request.</summary>
    internal async ValueTask EndAsync()
    {
        if (_deadlineTimer is not null)
        {
            // Waits for a callback in flight, which sets _deadlineTask.
            await _deadlineTimer.DisposeAsync().ConfigureAwait(false);
        }

        if (_deadlineTask is not null)
        {
            await _deadlineTask.ConfigureAwait(false);
        }

        _deadlineSource?.Dispose();
    }

    private static void ValidateMetadata(string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        foreach (var c in name)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.'))
            {
                throw new ArgumentException($"Metadata name '{name}' is not lowercase a-z, 0-9, '-', '_' or '.'.", nameof(name));
            }
        }

        if (name.StartsWith("grpc-", StringComparison.Ordinal) || name is "content-type" or "te" or "content-length" or "connection" or "transfer-encoding")
        {
            throw new ArgumentException($"Metadata name '{name}' is reserved for the protocol.", nameof(name));
        }

        foreach (var c in value)
        {
            if (c is < (char)0x20 or > (char)0x7E)
            {
                throw new ArgumentException($"The value of metadata '{name}' is not printable ASCII; use a '-bin' name and base64 for binary values.", nameof(value));
            }
        }
    }

    private static void AppendAll(IHeaderDictionary headers, IReadOnlyList<KeyValuePair<string, string>>? values)
    {
        if (values is null)
        {
            return;
        }

        for (var i = 0; i < values.Count; i++)
        {
            headers.Append(values[i].Key, values[i].Value);
        }
    }

    private static void AppendTrailers(HttpResponse response, IReadOnlyList<KeyValuePair<string, string>>? values)
    {
        if (values is null)
        {
            return;
        }

        for (var i = 0; i < values.Count; i++)
        {
            response.AppendTrailer(values[i].Key, values[i].Value);
        }
    }

    private void AppendMetadata(IHeaderDictionary headers, bool trailers)
    {
        if (_metadataLock is null)
        {
            AppendAll(headers, trailers ? _responseTrailers : _responseHeaders);
            return;
        }

        lock (_metadataLock)
        {
            AppendAll(headers, trailers ? _responseTrailers : _responseHeaders);
        }
    }

    private bool CheckEntered()
    {
        if (_responseCompleted || IsDeadlineExceeded)
        {
            _responseLock!.Release();
            return false;
        }

        return true;
    }

    private async ValueTask<bool> EnterResponseSlowAsync()
    {
        await _responseLock!.WaitAsync().ConfigureAwait(false);
        return CheckEntered();
    }

    private void OnDeadline() => _deadlineTask = DeadlineExceededAsync();

    private async Task DeadlineExceededAsync()
    {
        Volatile.Write(ref _deadlineExceeded, 1);

        // The handler's callbacks run on the thread pool: a slow one does not delay the answer.
        var cancellation = _deadlineSource!.CancelAsync();
        await AnswerDeadlineExceededAsync().ConfigureAwait(false);
        try
        {
            await cancellation.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            GrpcServerLog.CancellationCallbackFailed(_runtime.Logger, Method, e);
        }
    }

    private async Task AnswerDeadlineExceededAsync()
    {
        await _responseLock!.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_responseCompleted || HttpContext.RequestAborted.IsCancellationRequested)
            {
                return;
            }

            _responseCompleted = true;
            GrpcServerLog.DeadlineExceeded(_runtime.Logger, Method, Deadline);
            WriteStatus(GrpcStatusCode.DeadlineExceeded, "Deadline Exceeded", null);

            // Ends the HTTP/2 stream now: nothing the handler does later reaches the client.
            await HttpContext.Response.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or ObjectDisposedException)
        {
            GrpcServerLog.DeadlineResponseFailed(_runtime.Logger, Method, e);
        }
        finally
        {
            _responseLock.Release();
        }
    }
}
