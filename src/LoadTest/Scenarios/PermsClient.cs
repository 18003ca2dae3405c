using System.Diagnostics;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Perms.Api.V1;
using Perms.Grpc;
using Perms.LoadTest.Truth;

namespace Perms.LoadTest.Scenarios;

/// <summary>
/// The Perms gRPC calls the harness makes, over <c>connections</c> channels taken in turn, with the caller token and a
/// deadline on every call. Thread-safe.
/// </summary>
internal sealed class PermsClient : IDisposable
{
    /// <summary>CheckPermission's path.</summary>
    public const string CheckPath = "/perms.v1.PermissionService/CheckPermission";

    /// <summary>CheckPermissions' path.</summary>
    public const string CheckManyPath = "/perms.v1.PermissionService/CheckPermissions";

    /// <summary>GetMemberships' path.</summary>
    public const string MembershipsPath = "/perms.v1.PermissionService/GetMemberships";

    private static readonly Consistency FullyConsistent = new() { FullyConsistent = true };

    private readonly GrpcChannel[] _channels;
    private readonly GrpcCallOptions _options;
    private long _next = -1;

    /// <summary>Opens <paramref name="connections"/> channels to <paramref name="address"/> (connections are made on first use).</summary>
    public PermsClient(Uri address, string token, int connections, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentException.ThrowIfNullOrEmpty(token);
        ArgumentOutOfRangeException.ThrowIfLessThan(connections, 1);
        _channels = [.. Enumerable.Range(0, connections).Select(_ => new GrpcChannel(address))];
        _options = new GrpcCallOptions { Headers = [new("authorization", $"Bearer {token}")], Timeout = timeout };
    }

    /// <summary>A CheckPermission request for <paramref name="check"/> with the consistency of <paramref name="mode"/>.</summary>
    public static CheckPermissionRequest Request(CheckCase check, PermsReadMode mode)
    {
        ArgumentNullException.ThrowIfNull(check);
        var request = new CheckPermissionRequest
        {
            UserId = check.UserId,
            OrganizationId = check.OrganizationId,
            Consistency = mode switch
            {
                PermsReadMode.FullyConsistent => FullyConsistent,
                PermsReadMode.AtLeastAsFresh => new Consistency { AtLeastAsFresh = Timestamp.FromDateTime(DateTime.UtcNow) },
                _ => null,
            },
        };
        foreach (var (resource, actions) in check.Permissions)
        {
            request.Permissions.Add(resource, new Actions { Actions_ = { actions } });
        }

        return request;
    }

    /// <summary>A stable, short error label for the tables: the gRPC status name (<c>UNAVAILABLE</c>) or the exception's type.</summary>
    public static string Label(Exception exception) => exception switch
    {
        GrpcStatusException status => Label(status.Code),
        _ => exception.GetType().Name,
    };

    /// <summary>The gRPC name of a status code (<c>DEADLINE_EXCEEDED</c>).</summary>
    public static string Label(GrpcStatusCode code)
    {
        var name = code.ToString();
        var builder = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]) && !char.IsUpper(name[i - 1]))
            {
                builder.Append('_');
            }

            builder.Append(char.ToUpperInvariant(name[i]));
        }

        return builder.ToString();
    }

    /// <summary>Whether a check of this mode reads PostgreSQL during the call (so a change is visible once committed).</summary>
    public static bool ReadsFresh(PermsReadMode mode) => mode == PermsReadMode.FullyConsistent;

    /// <summary>Describes a wrong answer for the tables.</summary>
    public static string DescribeWrong(CheckCase check, bool allowed, Reason reason, string grantedBy) =>
        $"{check.UserId} in {check.OrganizationId} {check.PermissionText}: Perms {(allowed ? "allowed" : "denied")} ({reason}{(grantedBy.Length > 0 ? $" by {grantedBy}" : "")}), the ground truth {(check.Expected ? "allows" : "denies")}";

    /// <summary>CheckPermission.</summary>
    public Task<CheckPermissionResponse> CheckAsync(CheckPermissionRequest request, CancellationToken cancellationToken) =>
        Next().CallUnaryAsync(CheckPath, request, CheckPermissionResponse.Parser, _options, cancellationToken);

    /// <summary>CheckPermissions.</summary>
    public Task<CheckPermissionsResponse> CheckManyAsync(CheckPermissionsRequest request, CancellationToken cancellationToken) =>
        Next().CallUnaryAsync(CheckManyPath, request, CheckPermissionsResponse.Parser, _options, cancellationToken);

    /// <summary>GetMemberships, read from PostgreSQL.</summary>
    public Task<GetMembershipsResponse> GetMembershipsAsync(string userId, CancellationToken cancellationToken) =>
        Next().CallUnaryAsync(MembershipsPath, new GetMembershipsRequest { UserId = userId, Consistency = FullyConsistent }, GetMembershipsResponse.Parser, _options, cancellationToken);

    /// <summary>
    /// Checks each distinct (user, organization) of <paramref name="cases"/> once with cached reads, so that their user
    /// and organization grains are active. Throws <see cref="InvalidOperationException"/> when any check fails.
    /// </summary>
    public async Task PrewarmAsync(IEnumerable<CheckCase> cases, int concurrency, CancellationToken cancellationToken)
    {
        var distinct = cases.DistinctBy(c => (c.UserIndex, c.OrganizationIndex)).ToList();
        var failures = 0;
        string? first = null;
        var stopwatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(distinct, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken }, async (check, token) =>
        {
            try
            {
                await CheckAsync(Request(check, PermsReadMode.Cached), token).ConfigureAwait(false);
            }
            catch (GrpcStatusException e)
            {
                if (Interlocked.Increment(ref failures) == 1)
                {
                    first = $"{Label(e)}: {e.Detail}";
                }
            }
        }).ConfigureAwait(false);
        if (failures > 0)
        {
            throw new InvalidOperationException($"prewarm: {failures:N0} of {distinct.Count:N0} checks failed in {stopwatch.Elapsed.TotalSeconds:F1} s; the first: {first}");
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }

    private GrpcChannel Next() => _channels[(int)((ulong)Interlocked.Increment(ref _next) % (ulong)_channels.Length)];
}
