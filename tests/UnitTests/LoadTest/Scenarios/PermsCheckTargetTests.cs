using System.Net;
using System.Net.Sockets;
using Perms.LoadTest.Running;
using Perms.LoadTest.Scenarios;

namespace Perms.UnitTests.LoadTest.Scenarios;

/// <summary>Which case a Perms check target asks for request n, apart from whether it prewarms.</summary>
public sealed class PermsCheckTargetTests
{
    [Theory]
    [InlineData(false, false, new long[] { 0, 1, 2, 3, 4, 5, 6 })]
    [InlineData(false, true, new long[] { 0, 1, 2, 0, 1, 2, 0 })]
    public async Task Request_n_asks_case_n_or_cycles_over_the_cases_without_prewarming(bool prewarm, bool cycle, long[] expected)
    {
        var workload = new RecordingWorkload();
        await using var target = new PermsCheckTarget("t", NothingListening(), "token", 1, workload, PermsReadMode.FullyConsistent, prewarm) { Cases = 3, CycleCases = cycle };
        await target.PrepareAsync(CancellationToken.None);

        for (var sequence = 0; sequence < expected.Length; sequence++)
        {
            var result = await target.SendAsync(sequence, CancellationToken.None);
            Assert.Equal(RequestOutcome.Error, result.Outcome);
        }

        Assert.Equal(expected, workload.Sequences);
    }

    [Fact]
    public async Task Cycling_follows_prewarm_by_default()
    {
        await using var cold = new PermsCheckTarget("t", NothingListening(), "token", 1, new RecordingWorkload(), PermsReadMode.Cached, prewarm: false);
        await using var warm = new PermsCheckTarget("t", NothingListening(), "token", 1, new RecordingWorkload(), PermsReadMode.Cached, prewarm: true);

        Assert.False(cold.CycleCases);
        Assert.True(warm.CycleCases);
    }

    /// <summary>An address whose port refuses connections: every call fails at once.</summary>
    private static Uri NothingListening()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}");
    }
}
