using System.Collections.Concurrent;
using Perms.Api.V1;
using Perms.Grpc;

namespace Perms.IntegrationTests.Cluster;

/// <summary>What a CheckPermission call answered: the status (0 = OK), the response on OK, and the response headers.</summary>
internal sealed record CheckResult(int Status, string Detail, CheckPermissionResponse? Response, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>A response header's value, or null.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// CheckPermission calls that show the response headers (<see cref="GrpcChannel.CallUnaryWithHeadersAsync"/>), over one
/// channel per address.
/// </summary>
internal sealed class HeaderCalls : IDisposable
{
    private static readonly IReadOnlyDictionary<string, string> NoHeaders = new Dictionary<string, string>();
    private readonly ConcurrentDictionary<Uri, GrpcChannel> _channels = new();

    /// <summary>Calls <paramref name="path"/> on <paramref name="address"/> for user <paramref name="user"/>.</summary>
    public async Task<CheckResult> CheckAsync(Uri address, string path, int user, KeyValuePair<string, string> authorization, CancellationToken cancellationToken)
    {
        var channel = _channels.GetOrAdd(address, a => new GrpcChannel(a));
        try
        {
            var response = await channel.CallUnaryWithHeadersAsync(
                path,
                ClusterProcessFixture.Check(user),
                CheckPermissionResponse.Parser,
                new GrpcCallOptions { Headers = [authorization], Timeout = TimeSpan.FromSeconds(10) },
                cancellationToken);
            return new CheckResult(0, "", response.Message, response.Headers);
        }
        catch (GrpcStatusException e)
        {
            return new CheckResult((int)e.Code, e.Detail, null, NoHeaders);
        }
    }

    public void Dispose()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }
    }
}
