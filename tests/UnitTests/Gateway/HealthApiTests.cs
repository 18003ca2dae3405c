using Grpc.Health.V1;
using Microsoft.AspNetCore.Http;
using Perms.Gateway.Health;
using Perms.Grpc;

namespace Perms.UnitTests.Gateway;

/// <summary>Readiness follows the database probe and shutdown; liveness does not, so an outage never restarts silos.</summary>
public sealed class HealthApiTests
{
    private static GrpcCallContext Context() => GrpcCallContextFactory.Create(new DefaultHttpContext(), "/grpc.health.v1.Health/Check");

    [Theory]
    [InlineData("")]
    [InlineData("perms.v1.PermissionService")]
    public async Task Readiness_is_SERVING_only_while_the_reporter_says_so(string service)
    {
        var reporter = new HealthReporter();
        var api = new HealthApi(reporter);

        var before = await api.CheckAsync(new HealthCheckRequest { Service = service }, Context());
        reporter.SetServing(true);
        var serving = await api.CheckAsync(new HealthCheckRequest { Service = service }, Context());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, before.Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, serving.Status);
    }

    [Fact]
    public async Task Liveness_is_SERVING_while_the_database_is_down_and_while_shutting_down()
    {
        var reporter = new HealthReporter();
        var api = new HealthApi(reporter);

        var down = await api.CheckAsync(new HealthCheckRequest { Service = HealthApi.Liveness }, Context());
        reporter.SetServing(true);
        reporter.SetServing(false);
        var stopping = await api.CheckAsync(new HealthCheckRequest { Service = HealthApi.Liveness }, Context());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, down.Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, stopping.Status);
    }

    [Fact]
    public async Task An_unknown_service_is_NOT_FOUND()
    {
        var api = new HealthApi(new HealthReporter());

        var error = await Assert.ThrowsAsync<GrpcStatusException>(() => api.CheckAsync(new HealthCheckRequest { Service = "no.such.Service" }, Context()).AsTask());

        Assert.Equal(GrpcStatusCode.NotFound, error.Code);
    }

    [Theory]
    [InlineData("")]
    [InlineData(HealthApi.Liveness)]
    [InlineData("no.such.Service")]
    public async Task Every_watch_stream_ends_when_shutdown_begins_so_none_holds_the_drain(string service)
    {
        var reporter = new HealthReporter();
        reporter.SetServing(true);
        var api = new HealthApi(reporter);
        var writer = new RecordingWriter();
        using var caller = new CancellationTokenSource(TimeSpan.FromMinutes(1));

        var watch = api.WatchAsync(new HealthCheckRequest { Service = service }, writer, GrpcCallContextFactory.Create(new DefaultHttpContext { RequestAborted = caller.Token }, "/grpc.health.v1.Health/Watch"));
        await writer.First.Task.WaitAsync(caller.Token);
        Assert.False(watch.IsCompleted);

        reporter.MarkStopping();
        await watch.WaitAsync(caller.Token);

        Assert.False(caller.IsCancellationRequested);
        if (service.Length == 0)
        {
            Assert.Equal([HealthCheckResponse.Types.ServingStatus.Serving, HealthCheckResponse.Types.ServingStatus.NotServing], writer.Statuses);
        }
    }

    [Fact]
    public void Once_stopping_no_probe_can_turn_health_back_to_SERVING()
    {
        var reporter = new HealthReporter();
        reporter.SetServing(true);

        reporter.MarkStopping();
        reporter.SetServing(true);

        Assert.False(reporter.IsServing);
        Assert.True(reporter.IsStopping);
    }

    private sealed class RecordingWriter : IGrpcStreamWriter<HealthCheckResponse>
    {
        public TaskCompletionSource First { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<HealthCheckResponse.Types.ServingStatus> Statuses { get; } = [];

        public ValueTask WriteAsync(HealthCheckResponse message, CancellationToken cancellationToken = default)
        {
            Statuses.Add(message.Status);
            First.TrySetResult();
            return ValueTask.CompletedTask;
        }
    }
}
