using System.Text.RegularExpressions;
using Npgsql;
using Perms.Cluster;
using Perms.IntegrationTests.Infrastructure;

namespace Perms.IntegrationTests.Cluster;

/// <summary>
/// Silos and one gateway as separate processes on loopback (<see cref="SiloProcess"/>), members of a cluster through
/// the PostgreSQL membership table in a schema of their own (heartbeat 1 s, suspicion timeout 3 s). Views are read from
/// the processes' logs ("Cluster view changed to v3 [127.0.0.1:1, …]."). Disposal kills every process and drops the
/// membership schema.
/// </summary>
internal sealed partial class ProcessCluster : IAsyncDisposable
{
    /// <summary>How long a process may take to see a change of the membership table (suspicion 3 s + intervals + slack for a busy machine).</summary>
    public static readonly TimeSpan ViewTimeout = TimeSpan.FromSeconds(20);

    private readonly ClusterProcessFixture _fixture;
    private readonly string _membershipSchema;
    private readonly IReadOnlyDictionary<string, string>? _environment;
    private readonly List<SiloProcess> _silos = [];

    internal ProcessCluster(ClusterProcessFixture fixture, string membershipSchema, IReadOnlyDictionary<string, string>? environment = null)
    {
        _fixture = fixture;
        _membershipSchema = membershipSchema;
        _environment = environment;
    }

    /// <summary>Every silo started so far, killed ones included, in start order.</summary>
    public IReadOnlyList<SiloProcess> Silos => _silos;

    /// <summary>The gateway.</summary>
    public SiloProcess Gateway { get; private set; } = null!;

    /// <summary>The silos that run, as <c>127.0.0.1:PORT</c>.</summary>
    public IReadOnlySet<string> LiveAddresses => _silos.Where(s => s.IsRunning).Select(s => s.Address).ToHashSet(StringComparer.Ordinal);

    /// <summary>The view every process should converge on: the running silos.</summary>
    public ClusterView ExpectedView => new(1, LiveAddresses.Select(SiloAddress.Parse));

    /// <summary>Every running process: the silos, then the gateway.</summary>
    public IEnumerable<SiloProcess> RunningProcesses => _silos.Where(s => s.IsRunning).Append(Gateway).Where(p => p is { IsRunning: true });

    /// <summary>The cluster configuration every process shares (plus the extra configuration the test gave).</summary>
    private Dictionary<string, string> ClusterEnvironment()
    {
        var environment = BaseEnvironment();
        foreach (var (name, value) in _environment ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        return environment;
    }

    private Dictionary<string, string> BaseEnvironment() => new()
    {
        ["Perms__Auth__TokensPath"] = _fixture.TokensPath,
        ["Perms__Cluster__Provider"] = "postgres",
        ["Perms__Cluster__Postgres__ConnectionString"] = _fixture.OwnerConnectionString,
        ["Perms__Cluster__Postgres__Schema"] = _membershipSchema,
        ["Perms__Cluster__Postgres__HeartbeatInterval"] = "00:00:01",
        ["Perms__Cluster__Postgres__SuspicionTimeout"] = "00:00:03",
        ["Perms__Cluster__Token"] = _fixture.ClusterToken,
        ["Logging__LogLevel__Default"] = "Information",
        ["Logging__LogLevel__Microsoft"] = "Warning",
    };

    private Dictionary<string, string> SiloEnvironment()
    {
        var environment = ClusterEnvironment();
        environment["Perms__Database__ConnectionString"] = _fixture.ReaderConnectionString;
        environment["Perms__Database__Schema"] = ClusterProcessFixture.Schema;
        environment["Perms__Policy__Path"] = ClusterProcessFixture.PolicyPath;
        environment["Perms__Events__Enabled"] = "false";
        return environment;
    }

    internal async Task StartAsync(int silos)
    {
        // All at once, as a Deployment's replicas start: the silos create the membership table together (serialised by
        // an advisory lock — PostgresMembershipProviderTests.Silos_starting_at_the_same_moment_on_a_fresh_schema_all_join),
        // and the gateway watches an empty or missing table until the first silo joins.
        var others = Enumerable.Range(0, silos).Select(_ => SiloProcess.StartAsync(SiloEnvironment())).ToList();
        var gateway = SiloProcess.StartGatewayAsync(ClusterEnvironment());
        try
        {
            await Task.WhenAll([.. others, gateway]);
        }
        finally
        {
            // Whatever started is disposed with the cluster, also when another process failed to start.
            _silos.AddRange(others.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
            Gateway = gateway.IsCompletedSuccessfully ? gateway.Result : null!;
        }

        await WaitUntilConvergedAsync();
    }

    /// <summary>Starts one more silo (returns once it is SERVING; the others learn of it by the membership table).</summary>
    public async Task<SiloProcess> AddSiloAsync()
    {
        var silo = await SiloProcess.StartAsync(SiloEnvironment());
        _silos.Add(silo);
        return silo;
    }

    /// <summary>
    /// Waits until every running process's latest logged view holds exactly the running silos; returns, per process,
    /// the line that showed it.
    /// </summary>
    public async Task<Dictionary<SiloProcess, OutputLine>> WaitUntilConvergedAsync(CancellationToken cancellationToken = default)
    {
        var expected = LiveAddresses;
        var processes = RunningProcesses.ToList();
        var lines = await Task.WhenAll(processes.Select(p => WaitForViewAsync(p, expected, 0, cancellationToken)));
        return processes.Zip(lines).ToDictionary(x => x.First, x => x.Second);
    }

    /// <summary>
    /// Waits until <paramref name="process"/>'s latest view (logged at line <paramref name="fromLine"/> or later, or
    /// the last one before it if that already matches) holds exactly <paramref name="silos"/>.
    /// </summary>
    public static async Task<OutputLine> WaitForViewAsync(SiloProcess process, IReadOnlySet<string> silos, int fromLine = 0, CancellationToken cancellationToken = default)
    {
        // The latest view before the mark counts too: a process may have logged it already.
        var lines = process.Lines;
        for (var i = Math.Min(fromLine, lines.Count) - 1; i >= 0; i--)
        {
            if (ParseView(lines[i].Text) is { } earlier)
            {
                if (earlier.SetEquals(silos))
                {
                    return lines[i];
                }

                break;
            }
        }

        // Only the latest view counts: a line holding the set followed by another view means the set is gone again.
        OutputLine? match = null;
        var next = fromLine;
        var deadline = DateTime.UtcNow + ViewTimeout;
        while (true)
        {
            lines = process.Lines;
            for (; next < lines.Count; next++)
            {
                if (ParseView(lines[next].Text) is { } view)
                {
                    match = view.SetEquals(silos) ? lines[next] : null;
                }
            }

            if (match is { } found)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The view of {process} did not become [{string.Join(", ", silos.Order(StringComparer.Ordinal))}] within {ViewTimeout.TotalSeconds:0} s. Its output:\n{process.Output}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>The silos of a "Cluster view changed to v7 [a:1, b:2]." line (src/Cluster/ClusterLog.cs), or null for another line.</summary>
    public static HashSet<string>? ParseView(string line)
    {
        var match = ViewLine().Match(line);
        if (!match.Success)
        {
            return null;
        }

        return match.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The owner of user <paramref name="i"/> in <paramref name="view"/>, as <c>host:port</c>.</summary>
    public static string OwnerOf(int i, ClusterView view) => RendezvousPlacement.OwnerOf(ClusterProcessFixture.UserId(i), view).ToString();

    /// <summary>Everything every process printed, for failure messages.</summary>
    public string AllOutput() =>
        string.Join("\n", _silos.Append(Gateway).Where(p => p is not null).Select(p => $"===== {p} =====\n{p.Output}"));

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_silos.Append(Gateway).Where(p => p is not null).Select(p => p.DisposeAsync().AsTask()));
        try
        {
            await using var owner = NpgsqlDataSource.Create(_fixture.OwnerConnectionString);
            await owner.CreateCommand($"DROP SCHEMA IF EXISTS {_membershipSchema} CASCADE").ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
            // The fixture drops the whole database anyway.
        }
    }

    [GeneratedRegex(@"Cluster view changed to v\d+ \[([^\]]*)\]")]
    private static partial Regex ViewLine();
}
