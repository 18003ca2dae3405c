using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Perms.Api.V1;
using Perms.Grpc;
using Perms.IntegrationTests.Cluster;
using Perms.IntegrationTests.Infrastructure;

namespace Perms.IntegrationTests.Operations;

/// <summary>
/// Issue #9, logs and traces, with real processes: with <c>Logging__Console__FormatterName=json</c> every line a silo
/// or the gateway prints is one JSON object; with <c>Perms__Audit__Enabled=true</c> a check carrying a W3C
/// <c>traceparent</c> is one audit line on the silo that decided — also when it came through the gateway or another
/// silo — naming the original caller and that trace id (in its fields and in its log scope); with the audit off (the
/// default), successful checks print nothing at all.
/// </summary>
[Trait("Category", "Integration")]
[Collection(ClusterProcessCollection.Name)]
public sealed class LogsAndTracesTests(ClusterProcessFixture fixture) : IClassFixture<ClusterProcessFixture>
{
    private const string CheckPath = "/perms.v1.PermissionService/CheckPermission";

    private static readonly Dictionary<string, string> JsonAndAudit = new()
    {
        ["Logging__Console__FormatterName"] = "json",
        ["Perms__Audit__Enabled"] = "true",
    };

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_silo_alone_prints_json_lines_and_one_audit_line_per_check_with_the_callers_trace()
    {
        await using var silo = await SiloProcess.StartAsync(SiloAlone(JsonAndAudit));
        var (traceId, traceParent) = NewTrace();

        var response = await CheckAsync(silo, 3, traceParent);

        Assert.Null(ClusterProcessFixture.Verify(3, response));
        var line = await AuditLineAsync(silo, traceId);
        var state = line.RootElement.GetProperty("State");
        Assert.Equal("Perms.Audit", line.RootElement.GetProperty("Category").GetString());
        Assert.Equal("Information", line.RootElement.GetProperty("LogLevel").GetString());
        Assert.True(line.RootElement.TryGetProperty("Timestamp", out _), "JSON lines carry a timestamp by default");
        Assert.Equal("allowed", state.GetProperty("outcome").GetString());
        Assert.Equal(ClusterProcessFixture.CallerName, state.GetProperty("caller").GetString());
        Assert.Equal("CheckPermission", state.GetProperty("method").GetString());
        Assert.Equal(ClusterProcessFixture.UserId(3), state.GetProperty("user_id").GetString());
        Assert.Equal(ClusterProcessFixture.OrganizationId, state.GetProperty("organization_id").GetString());
        Assert.Equal("organization:update", state.GetProperty("permissions").GetString());
        Assert.True(state.GetProperty("allowed").GetBoolean());
        Assert.Equal("ALLOWED", state.GetProperty("reason").GetString());
        Assert.Equal("admin", state.GetProperty("granted_by_role").GetString());
        Assert.Equal("minimize_latency", state.GetProperty("consistency").GetString());
        Assert.Equal(response.StateAsOf.ToDateTimeOffset(), DateTimeOffset.Parse(state.GetProperty("state_as_of").GetString()!, CultureInfo.InvariantCulture));

        // The log scope carries the same trace (ActivityTrackingOptions, IncludeScopes on by default for JSON).
        Assert.Contains(
            line.RootElement.GetProperty("Scopes").EnumerateArray(),
            scope => scope.ValueKind == JsonValueKind.Object && scope.TryGetProperty("TraceId", out var id) && id.GetString() == traceId);

        // A denial too: exactly one line for it.
        var (deniedTrace, deniedParent) = NewTrace();
        Assert.Null(ClusterProcessFixture.Verify(4, await CheckAsync(silo, 4, deniedParent)));
        var denied = (await AuditLineAsync(silo, deniedTrace)).RootElement.GetProperty("State");
        Assert.Equal("denied", denied.GetProperty("outcome").GetString());
        Assert.Equal("NO_ROLE_GRANTS", denied.GetProperty("reason").GetString());
        Assert.Single(silo.Lines, l => l.Text.Contains(deniedTrace, StringComparison.Ordinal) && l.Text.Contains("\"Perms.Audit\"", StringComparison.Ordinal));

        AssertEveryLineIsJson(silo);
    }

    [Fact]
    public async Task With_the_audit_off_successful_checks_print_nothing()
    {
        // The default text format and levels; the wire layer's category at Debug only so that a refused call (logged
        // there at Debug) marks the end: the console logger writes in order, so a line of any check would come first.
        await using var silo = await SiloProcess.StartAsync(SiloAlone(new Dictionary<string, string> { ["Logging__LogLevel__Perms.Grpc.Server"] = "Debug" }));
        await CheckAsync(silo, 0, null);
        var mark = silo.LineCount;

        for (var i = 0; i < 20; i++)
        {
            Assert.Null(ClusterProcessFixture.Verify(i, await CheckAsync(silo, i, NewTrace().TraceParent)));
        }

        using (var channel = new GrpcChannel(silo.HttpAddress))
        {
            var refused = await Assert.ThrowsAsync<GrpcStatusException>(() => channel.CallUnaryAsync(
                CheckPath,
                new CheckPermissionRequest { OrganizationId = ClusterProcessFixture.OrganizationId },
                CheckPermissionResponse.Parser,
                new GrpcCallOptions { Headers = [fixture.CallerAuthorization], Timeout = TimeSpan.FromSeconds(10) },
                Token));
            Assert.Equal(GrpcStatusCode.InvalidArgument, refused.Code);
        }

        var sentinel = await silo.WaitForOutputAsync("ended with InvalidArgument", TimeSpan.FromSeconds(30), mark, Token);
        var between = silo.Lines.Skip(mark).TakeWhile(l => l != sentinel).Where(l => !l.Text.StartsWith("dbug: Perms.Grpc.Server", StringComparison.Ordinal)).ToList();
        Assert.True(between.Count == 0, "Successful checks printed:\n" + string.Join("\n", between.Select(l => l.Text)));
    }

    private Dictionary<string, string> SiloAlone(IReadOnlyDictionary<string, string> extra)
    {
        var environment = new Dictionary<string, string>
        {
            ["Perms__Auth__TokensPath"] = fixture.TokensPath,
            ["Perms__Database__ConnectionString"] = fixture.ReaderConnectionString,
            ["Perms__Database__Schema"] = ClusterProcessFixture.Schema,
            ["Perms__Policy__Path"] = ClusterProcessFixture.PolicyPath,
            ["Perms__Events__Enabled"] = "false",
        };
        foreach (var (name, value) in extra)
        {
            environment[name] = value;
        }

        return environment;
    }

    /// <summary>A fresh W3C trace id and a <c>traceparent</c> continuing it.</summary>
    private static (string TraceId, string TraceParent) NewTrace()
    {
        var traceId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        return (traceId, $"00-{traceId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}-01");
    }

    private async Task<CheckPermissionResponse> CheckAsync(SiloProcess process, int user, string? traceParent)
    {
        using var channel = new GrpcChannel(process.HttpAddress);
        List<KeyValuePair<string, string>> headers = [fixture.CallerAuthorization];
        if (traceParent is not null)
        {
            headers.Add(new("traceparent", traceParent));
        }

        return await channel.CallUnaryAsync(
            CheckPath,
            ClusterProcessFixture.Check(user),
            CheckPermissionResponse.Parser,
            new GrpcCallOptions { Headers = headers, Timeout = TimeSpan.FromSeconds(10) },
            Token);
    }

    /// <summary>The audit line of the trace <paramref name="traceId"/>, parsed; its State's trace_id is checked.</summary>
    private static async Task<JsonDocument> AuditLineAsync(SiloProcess process, string traceId)
    {
        var line = await process.WaitForOutputAsync(
            text => text.Contains("\"Perms.Audit\"", StringComparison.Ordinal) && text.Contains(traceId, StringComparison.Ordinal),
            TimeSpan.FromSeconds(30),
            $"an audit line of trace {traceId}",
            cancellationToken: Token);
        var document = JsonDocument.Parse(line.Text);
        Assert.Equal(traceId, document.RootElement.GetProperty("State").GetProperty("trace_id").GetString());
        return document;
    }

    private static void AssertEveryLineIsJson(SiloProcess process)
    {
        foreach (var line in process.Lines)
        {
            try
            {
                using var document = JsonDocument.Parse(line.Text);
                Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
                Assert.True(document.RootElement.TryGetProperty("Category", out _) && document.RootElement.TryGetProperty("Message", out _), $"{process}: a JSON line without Category or Message: {line.Text}");
            }
            catch (JsonException e)
            {
                Assert.Fail($"{process} printed a line that is not JSON ({e.Message}): {line.Text}");
            }
        }
    }
}
