using System.Collections.Concurrent;
using Perms.Grains.Data;
using Perms.Grains.Interfaces.State;

namespace Perms.UnitTests.Grains;

/// <summary>
/// An in-memory <see cref="IBetterAuthReader"/> for grains in a test cluster: rows per key, reads counted per key, a
/// read of one key that can be held open (it takes its snapshot first: a slow read of old data), and failures.
/// </summary>
internal sealed class GatedReader : IBetterAuthReader
{
    private readonly ConcurrentDictionary<string, int> _reads = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (TaskCompletionSource Started, TaskCompletionSource Release)> _gates = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, UserSnapshot> Users { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, OrganizationSnapshot> Organizations { get; } = new(StringComparer.Ordinal);

    /// <summary>Keys whose reads throw this exception.</summary>
    public ConcurrentDictionary<string, Exception> Failures { get; } = new(StringComparer.Ordinal);

    public int ReadsOf(string key) => _reads.TryGetValue(key, out var count) ? count : 0;

    /// <summary>Holds the next read of <paramref name="key"/> open; returns (the read has started, release it).</summary>
    public (Task Started, TaskCompletionSource Release) Hold(string key)
    {
        var gate = (new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        _gates[key] = gate;
        return (gate.Item1.Task, gate.Item2);
    }

    public async Task<UserSnapshot> ReadUserAsync(string userId, CancellationToken cancellationToken)
    {
        var snapshot = Users.TryGetValue(userId, out var user) ? user : new UserSnapshot(userId, null, [], DateTimeOffset.UnixEpoch);
        await ReadAsync(userId).ConfigureAwait(false);
        return snapshot;
    }

    public async Task<OrganizationSnapshot> ReadOrganizationAsync(string organizationId, bool includeDynamicRoles, CancellationToken cancellationToken)
    {
        var organization = Organizations.TryGetValue(organizationId, out var found) ? found : new OrganizationSnapshot(organizationId, false, [], DateTimeOffset.UnixEpoch);
        await ReadAsync(organizationId).ConfigureAwait(false);
        return includeDynamicRoles ? organization : organization with { DynamicRoles = [] };
    }

    private async Task ReadAsync(string key)
    {
        _reads.AddOrUpdate(key, 1, static (_, n) => n + 1);
        if (Failures.TryGetValue(key, out var failure))
        {
            throw failure;
        }

        if (_gates.TryRemove(key, out var gate))
        {
            gate.Started.TrySetResult();
            await gate.Release.Task.ConfigureAwait(false);
        }
    }
}
