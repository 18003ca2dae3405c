using Microsoft.Extensions.Options;
using Perms.Nats;
using Perms.Grains;
using Perms.Grains.Caching;

namespace Perms.Silo.Events;

/// <summary>Starts the <see cref="ChangeEventConsumer"/> when events are enabled; says loudly when they are not.</summary>
internal sealed class EventSubscriptionHostedService(IServiceProvider services, IOptions<EventOptions> options) : IHostedService, IAsyncDisposable
{
    private ChangeEventConsumer? _consumer;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var logger = services.GetRequiredService<ILogger<ChangeEventConsumer>>();
        if (!options.Value.Enabled)
        {
            EventLog.Disabled(logger, services.GetRequiredService<IOptionsMonitor<GrainStateOptions>>().Get(GrainServices.UserSection).MaxStaleness);
            return Task.CompletedTask;
        }

        var connection = new NatsConnection(EventServiceCollectionExtensions.ToNatsOptions(options.Value), services.GetRequiredService<ILogger<NatsConnection>>(), services.GetRequiredService<TimeProvider>());
        _consumer = new ChangeEventConsumer(connection, services.GetRequiredService<ChangeEventHandler>(), options.Value, services.GetRequiredService<EventMetrics>(), logger);
        return _consumer.StartAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => _consumer?.StopAsync(cancellationToken) ?? Task.CompletedTask;

    public ValueTask DisposeAsync() => _consumer?.DisposeAsync() ?? ValueTask.CompletedTask;
}
