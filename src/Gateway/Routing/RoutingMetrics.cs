using System.Diagnostics.Metrics;
using Perms.Cluster;

namespace Perms.Gateway.Routing;

/// <summary>
/// Routing counters and the cluster view's size (meter <c>Perms.Routing</c>). The view size is observed only once a
/// <see cref="ClusterRouter"/> exists, i.e. in a cluster: a silo alone exports no <c>perms.cluster.view.silos</c>.
/// </summary>
public sealed class RoutingMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Perms.Routing";

    private readonly Counter<long> _forwarded;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _nonOwner;
    private readonly Counter<long> _suspected;
    private Func<ClusterView>? _view;

    /// <summary>Creates the counters on a meter of <paramref name="meterFactory"/> (or a standalone meter when null).</summary>
    public RoutingMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _forwarded = meter.CreateCounter<long>("perms.routing.forwarded", description: "Calls (or batch parts) sent to another silo's internal API.");
        _retried = meter.CreateCounter<long>("perms.routing.retried", description: "Calls retried on the next silo after a transport failure.");
        _nonOwner = meter.CreateCounter<long>("perms.routing.non_owner_answers", description: "Answers marked perms-placement: non-owner.");
        _suspected = meter.CreateCounter<long>("perms.routing.suspected", description: "Times a silo became suspected after a transport failure.");
        meter.CreateObservableGauge("perms.cluster.view.silos", ObserveViewSize, description: "Silos in this process's cluster view (the membership routing uses).");
        meter.CreateObservableGauge("perms.cluster.view.version", ObserveViewVersion, description: "The version of this process's cluster view (it grows with every change).");
    }

    /// <summary>A call or batch part was forwarded.</summary>
    public void Forwarded() => _forwarded.Add(1);

    /// <summary>A call was retried elsewhere.</summary>
    public void Retried() => _retried.Add(1);

    /// <summary>An answer was marked as a non-owner's.</summary>
    public void NonOwnerAnswer() => _nonOwner.Add(1);

    /// <summary>A silo became suspected.</summary>
    public void Suspected() => _suspected.Add(1);

    /// <summary>Observes <paramref name="view"/> (the router's) for the view gauges.</summary>
    public void ObserveView(Func<ClusterView> view) => Volatile.Write(ref _view, view);

    private IEnumerable<Measurement<int>> ObserveViewSize() =>
        Volatile.Read(ref _view) is { } view ? [new Measurement<int>(view().Silos.Length)] : [];

    private IEnumerable<Measurement<long>> ObserveViewVersion() =>
        Volatile.Read(ref _view) is { } view ? [new Measurement<long>(view().Version)] : [];
}
