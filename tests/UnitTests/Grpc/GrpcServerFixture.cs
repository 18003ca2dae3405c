using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Perms.Grpc;
using Perms.UnitTests.Grpc.Protos;

namespace Perms.UnitTests.Grpc;

/// <summary>
/// A real Kestrel on 127.0.0.1 serving the test methods with the gRPC wire layer: an h2c (HTTP/2 only) endpoint, and an
/// HTTP/1.1 one to show what a non-HTTP/2 request gets. Shared by every gRPC test.
/// </summary>
public sealed class GrpcServerFixture : IAsyncLifetime
{
    public const string Service = "perms.tests.Echo";

    /// <summary>The server's message size limit, both ways; small so that the size tests stay fast.</summary>
    public const int MaxMessageSize = 2 * 1024 * 1024;

    private readonly ConcurrentDictionary<string, CallProbe> _probes = new(StringComparer.Ordinal);
    private WebApplication? _app;
    private ListenOptions? _http2;
    private ListenOptions? _http1;

    public CapturingLoggerProvider Logs { get; } = new();

    /// <summary>The h2c endpoint, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri Address => new($"http://127.0.0.1:{_http2!.IPEndPoint!.Port}");

    /// <summary>The HTTP/1.1 endpoint.</summary>
    public Uri Http1Address => new($"http://127.0.0.1:{_http1!.IPEndPoint!.Port}");

    public static string PathOf(string method) => $"/{Service}/{method}";

    public CallProbe Probe(string key) => _probes.GetOrAdd(key, static _ => new CallProbe());

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(Logs);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                _http2 = listen;
            });
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                _http1 = listen;
            });
        });
        builder.Services.AddGrpcWire(options =>
        {
            options.MaxReceiveMessageSize = MaxMessageSize;
            options.MaxSendMessageSize = MaxMessageSize;
        });

        var app = builder.Build();
        app.MapGrpcUnary<EchoMessage, EchoMessage>(Service, "Echo", EchoMessage.Parser, Echo);
        app.MapGrpcUnary<EchoMessage, EchoMessage>(Service, "Fail", EchoMessage.Parser, Fail);
        app.MapGrpcUnary<EchoMessage, EchoMessage>(Service, "Throw", EchoMessage.Parser, Throw);
        app.MapGrpcUnary<EchoMessage, EchoMessage>(Service, "Wait", EchoMessage.Parser, WaitAsync);
        app.MapGrpcUnary<EchoMessage, EchoMessage>(Service, "IgnoreDeadline", EchoMessage.Parser, IgnoreDeadlineAsync);
        app.MapGrpcUnary<EchoMessage, EchoMessage>(Service, "Big", EchoMessage.Parser, Big);
        app.MapGrpcServerStreaming<EchoMessage, EchoMessage>(Service, "Count", EchoMessage.Parser, CountAsync);
        app.MapGrpcServerStreaming<EchoMessage, EchoMessage>(Service, "CountThenWait", EchoMessage.Parser, CountThenWaitAsync);
        app.MapGrpcServerStreaming<EchoMessage, EchoMessage>(Service, "CountThenFail", EchoMessage.Parser, CountThenFailAsync);
        app.MapGrpcFallback();
        await app.StartAsync(TestContext.Current.CancellationToken);
        _app = app;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var probe in _probes.Values)
        {
            probe.Release.TrySetResult();
        }

        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }

        Logs.Dispose();
    }

    /// <summary>Returns the request, with the <c>x-echo</c> header's value as the text when there is one; adds a header and a trailer.</summary>
    private static ValueTask<EchoMessage> Echo(EchoMessage request, GrpcCallContext context)
    {
        context.AddResponseHeader("echo-header", "h");
        context.AddResponseTrailer("echo-trailer", "t");
        if (context.RequestHeaders.TryGetValue("x-echo", out var echo))
        {
            request.Text = echo.ToString();
        }

        return ValueTask.FromResult(request);
    }

    /// <summary>Throws the status named by the request's number, with its text as the detail and a binary trailer.</summary>
    private static ValueTask<EchoMessage> Fail(EchoMessage request, GrpcCallContext context) =>
        throw new GrpcStatusException(
            (GrpcStatusCode)request.Number,
            request.Text,
            [new("failure-bin", Convert.ToBase64String([1, 2, 3])), new("failure-reason", "asked")]);

    private static ValueTask<EchoMessage> Throw(EchoMessage request, GrpcCallContext context) =>
        throw new InvalidOperationException("secret internal detail " + request.Text);

    /// <summary>Waits for its token; reports start and cancellation.</summary>
    private async ValueTask<EchoMessage> WaitAsync(EchoMessage request, GrpcCallContext context)
    {
        var probe = Probe(request.Text);
        probe.Started.TrySetResult();
        try
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return request;
        }
        catch (OperationCanceledException)
        {
            probe.Cancelled.TrySetResult();
            throw;
        }
        finally
        {
            probe.Finished.TrySetResult();
        }
    }

    /// <summary>Ignores its token: waits until the test releases it, then answers.</summary>
    private async ValueTask<EchoMessage> IgnoreDeadlineAsync(EchoMessage request, GrpcCallContext context)
    {
        var probe = Probe(request.Text);
        probe.Started.TrySetResult();
        await probe.Release.Task;
        context.AddResponseTrailer("late-trailer", "from-the-handler");
        probe.Finished.TrySetResult();
        return new EchoMessage { Text = "too late" };
    }

    /// <summary>Answers with a payload of the request's number of bytes.</summary>
    private static ValueTask<EchoMessage> Big(EchoMessage request, GrpcCallContext context) =>
        ValueTask.FromResult(new EchoMessage { Payload = ByteString.CopyFrom(new byte[request.Number]) });

    /// <summary>Streams the request's number of messages (at most 100), numbered from 0.</summary>
    private static async Task CountAsync(EchoMessage request, IGrpcStreamWriter<EchoMessage> writer, GrpcCallContext context)
    {
        for (var i = 0; i < Math.Min(request.Number, 100); i++)
        {
            await writer.WriteAsync(new EchoMessage { Number = i, Text = request.Text });
        }
    }

    /// <summary>Streams the request's number of messages, then waits for its token.</summary>
    private async Task CountThenWaitAsync(EchoMessage request, IGrpcStreamWriter<EchoMessage> writer, GrpcCallContext context)
    {
        await CountAsync(request, writer, context);
        var probe = Probe(request.Text);
        probe.Started.TrySetResult();
        try
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            probe.Cancelled.TrySetResult();
            throw;
        }
    }

    /// <summary>Streams the request's number of messages, then fails with FAILED_PRECONDITION.</summary>
    private static async Task CountThenFailAsync(EchoMessage request, IGrpcStreamWriter<EchoMessage> writer, GrpcCallContext context)
    {
        await CountAsync(request, writer, context);
        context.AddResponseTrailer("stream-trailer", "kept");
        throw new GrpcStatusException(GrpcStatusCode.FailedPrecondition, "failed after " + request.Number);
    }
}
