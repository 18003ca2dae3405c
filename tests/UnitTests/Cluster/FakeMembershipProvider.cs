using Perms.Cluster;

namespace Perms.UnitTests.Cluster;

/// <summary>A membership whose view the test sets: <see cref="Change"/> swaps it in and raises <see cref="Changed"/>.</summary>
internal sealed class FakeMembershipProvider : IMembershipProvider
{
    private ClusterView _current;

    public FakeMembershipProvider(params string[] silos)
    {
        _current = silos.Length == 0 ? ClusterView.Empty : new ClusterView(1, silos.Select(SiloAddress.Parse));
    }

    public ClusterView Current => Volatile.Read(ref _current);

    public event EventHandler<ClusterView>? Changed;

    /// <summary>How many handlers are subscribed to <see cref="Changed"/>.</summary>
    public int Subscribers => Changed?.GetInvocationList().Length ?? 0;

    /// <summary>Makes <paramref name="silos"/> the view (the next version) and raises <see cref="Changed"/>.</summary>
    public ClusterView Change(params string[] silos)
    {
        var view = new ClusterView(Current.Version + 1, silos.Select(SiloAddress.Parse));
        Volatile.Write(ref _current, view);
        Changed?.Invoke(this, view);
        return view;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
