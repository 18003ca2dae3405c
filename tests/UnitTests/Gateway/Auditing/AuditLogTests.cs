using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Perms.Api.V1;
using Perms.Gateway.Api;
using Perms.Gateway.Auditing;
using Perms.Grains.Interfaces.Tracing;
using Perms.Grains.Interfaces.Checks;
using Perms.Grains.Interfaces.Errors;
using Perms.Grains.Interfaces.Permissions;
using Perms.Grains.Interfaces.State;
using Perms.Grpc;

namespace Perms.UnitTests.Gateway.Auditing;

/// <summary>
/// The audit log of PermissionApi: one Information line per decision with the documented fields, one per batch item,
/// errors as outcome=error lines, nothing at all when it is off; its formatting; its start-up validation; the spans.
/// </summary>
public sealed class AuditLogTests : IDisposable
{
    private static readonly DateTimeOffset AsOf = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
    private readonly StructuredLogProvider _logs = new();
    private readonly ILoggerFactory _loggers;

    public AuditLogTests()
    {
        _loggers = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
    }

    public void Dispose() => _loggers.Dispose();

    private AuditLog Audit(bool enabled) => new(Options.Create(new AuditOptions { Enabled = enabled }), _loggers);

    private static GrpcCallContext Context(string? caller = "billing")
    {
        var http = new DefaultHttpContext();
        if (caller is not null)
        {
            CallerFeature.Set(http, caller);
        }

        return GrpcCallContextFactory.Create(http, "/perms.v1.PermissionService/CheckPermission");
    }

    private static CheckPermissionRequest Request(string user = "u1", string organization = "o1")
    {
        var request = new CheckPermissionRequest { UserId = user, OrganizationId = organization };
        request.Permissions.Add("project", new Actions { Actions_ = { "read", "update" } });
        request.Permissions.Add("member", new Actions { Actions_ = { "create" } });
        return request;
    }

    [Fact]
    public async Task A_decision_is_one_information_line_with_every_field()
    {
        var api = new PermissionApi(new Checker(_ => new CheckResult(PermissionDecision.GrantedBy("admin"), AsOf, ["admin"])), Audit(enabled: true));
        using var trace = new Activity("test").SetIdFormat(ActivityIdFormat.W3C).Start();
        var request = Request();
        request.Consistency = new Consistency { AtLeastAsFresh = Timestamp.FromDateTimeOffset(AsOf) };

        await api.CheckPermissionAsync(request, Context());

        var line = Assert.Single(_logs.Entries);
        Assert.Equal(AuditLog.Category, line.Category);
        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Equal("allowed", line["outcome"]);
        Assert.Equal("billing", line["caller"]);
        Assert.Equal("CheckPermission", line["method"]);
        Assert.Equal("u1", line["user_id"]);
        Assert.Equal("o1", line["organization_id"]);
        Assert.Equal("project:read,update;member:create", line["permissions"]);
        Assert.Equal(true, line.Fields["allowed"]);
        Assert.Equal("ALLOWED", line["reason"]);
        Assert.Equal("admin", line["granted_by_role"]);
        Assert.Equal("at_least_as_fresh:2026-11-22T10:00:00.0000000+00:00", line["consistency"]);
        Assert.Equal("2026-11-22T10:00:00.0000000+00:00", line["state_as_of"]);
        Assert.Equal(trace.TraceId.ToHexString(), line["trace_id"]);
        Assert.StartsWith("audit allowed: caller=billing method=CheckPermission user_id=u1 organization_id=o1 permissions=project:read,update;member:create allowed=True reason=ALLOWED", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_denial_and_a_platform_check_name_no_role_and_no_organization()
    {
        var api = new PermissionApi(new Checker(_ => new CheckResult(PermissionDecision.Denied(DecisionReason.NoRoleGrants), AsOf, ["member"])), Audit(enabled: true));
        var platform = new CheckPlatformPermissionRequest { UserId = "u2" };
        platform.Permissions.Add("user", new Actions { Actions_ = { "ban" } });

        await api.CheckPermissionAsync(Request(), Context(caller: null));
        await api.CheckPlatformPermissionAsync(platform, Context());

        var lines = _logs.Of(AuditLog.Category);
        Assert.Equal(2, lines.Count);
        Assert.Equal("denied", lines[0]["outcome"]);
        Assert.Equal(AuditLog.UnknownCaller, lines[0]["caller"]);
        Assert.Equal("NO_ROLE_GRANTS", lines[0]["reason"]);
        Assert.Equal("", lines[0]["granted_by_role"]);
        Assert.Equal("minimize_latency", lines[0]["consistency"]);
        Assert.Equal("CheckPlatformPermission", lines[1]["method"]);
        Assert.Equal("u2", lines[1]["user_id"]);
        Assert.Equal("", lines[1]["organization_id"]);
        Assert.Equal("user:ban", lines[1]["permissions"]);
    }

    [Fact]
    public async Task A_batch_is_one_line_per_item_and_an_error_is_an_error_line()
    {
        var api = new PermissionApi(
            new Checker(user => user == "down"
                ? throw new StateUnavailableException("user down: connection refused")
                : new CheckResult(PermissionDecision.GrantedBy("owner"), AsOf, ["owner"])),
            Audit(enabled: true));
        var batch = new CheckPermissionsRequest();
        batch.Checks.Add(Request("a"));
        batch.Checks.Add(Request("down"));
        batch.Checks.Add(new CheckPermissionRequest { UserId = "", OrganizationId = "o1" }); // INVALID_ARGUMENT: not a decision
        batch.Checks.Add(Request("b"));

        await api.CheckPermissionsAsync(batch, Context());

        var lines = _logs.Of(AuditLog.Category);
        Assert.Equal(["a", "down", "b"], lines.Select(l => l["user_id"]));
        Assert.All(lines, l => Assert.Equal("CheckPermissions", l["method"]));
        Assert.Equal("error", lines[1]["outcome"]);
        Assert.Equal("UNAVAILABLE", lines[1]["status"]);
        Assert.Equal("user down: connection refused", lines[1]["detail"]);
        Assert.Equal("allowed", lines[2]["outcome"]);
    }

    [Fact]
    public async Task An_unanswerable_check_is_an_error_line_with_its_status()
    {
        var api = new PermissionApi(new Checker(_ => throw new InvalidStateException("organizationRole row \"r9\" is malformed")), Audit(enabled: true));

        var status = await Assert.ThrowsAsync<GrpcStatusException>(() => api.CheckPermissionAsync(Request(), Context()).AsTask());

        Assert.Equal(GrpcStatusCode.FailedPrecondition, status.Code);
        var line = Assert.Single(_logs.Of(AuditLog.Category));
        Assert.Equal("error", line["outcome"]);
        Assert.Equal("FAILED_PRECONDITION", line["status"]);
        Assert.Equal("o1", line["organization_id"]);
    }

    [Fact]
    public async Task When_off_nothing_is_logged_for_any_call()
    {
        var api = new PermissionApi(new Checker(user => user == "down"
            ? throw new StateUnavailableException("down")
            : new CheckResult(PermissionDecision.GrantedBy("admin"), AsOf, ["admin"])), Audit(enabled: false));
        var batch = new CheckPermissionsRequest();
        batch.Checks.Add(Request("a"));
        batch.Checks.Add(Request("down"));

        await api.CheckPermissionAsync(Request(), Context());
        await api.CheckPermissionsAsync(batch, Context());
        await Assert.ThrowsAsync<GrpcStatusException>(() => api.CheckPermissionAsync(Request("down"), Context()).AsTask());

        Assert.Empty(_logs.Entries);
        Assert.False(Audit(enabled: false).IsEnabled);
    }

    [Fact]
    public void Formatting_is_compact_and_names_statuses_as_grpc_does()
    {
        Assert.Equal("project:read,update;member:create", AuditLog.FormatPermissions(Request().Permissions));
        Assert.Equal("", AuditLog.FormatPermissions(new CheckPermissionRequest().Permissions));
        Assert.Equal("fully_consistent", AuditLog.FormatConsistency(ReadConsistency.FullyConsistent));
        Assert.Equal("minimize_latency", AuditLog.FormatConsistency(ReadConsistency.MinimizeLatency));
        Assert.Equal("UNAVAILABLE", AuditLog.StatusName(GrpcStatusCode.Unavailable));
        Assert.Equal("FAILED_PRECONDITION", AuditLog.StatusName(GrpcStatusCode.FailedPrecondition));
        Assert.Equal("DEADLINE_EXCEEDED", AuditLog.StatusName(GrpcStatusCode.DeadlineExceeded));
        Assert.Equal("ALLOWED_AS_ADMIN_USER_ID", AuditLog.ReasonName(DecisionReason.AllowedAsAdminUserId));
    }

    [Theory]
    [InlineData(null, "Information", true)]
    [InlineData("true", "Information", true)]
    [InlineData("false", "Warning", true)]
    [InlineData("true", "Warning", false)]
    public void Start_up_refuses_an_audit_log_the_logging_levels_would_swallow(string? enabled, string level, bool valid)
    {
        var settings = new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = level };
        if (enabled is not null)
        {
            settings["Perms:Audit:Enabled"] = enabled;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection()
            .AddLogging(b => b.AddConfiguration(configuration.GetSection("Logging")).AddProvider(new StructuredLogProvider()))
            .AddPermsAudit(configuration)
            .BuildServiceProvider();

        if (valid)
        {
            Assert.Equal(enabled == "true", services.GetRequiredService<IOptions<AuditOptions>>().Value.Enabled);
            return;
        }

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<AuditOptions>>().Value);
        var failure = Assert.Single(error.Failures);
        Assert.Contains("Perms:Audit:Enabled", failure, StringComparison.Ordinal);
        Assert.Contains("Logging:LogLevel:Perms.Audit", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_call_is_a_span_of_the_Perms_source_under_the_current_trace()
    {
        // Listeners are process-wide: only this test's trace counts (other tests may run PermissionApi meanwhile).
        using var request = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start();
        var spans = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == PermsActivitySource.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = span =>
            {
                if (span.TraceId == request.TraceId)
                {
                    spans.Enqueue(span);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var api = new PermissionApi(new Checker(_ => new CheckResult(PermissionDecision.GrantedBy("admin"), AsOf, ["admin"])));
        var batch = new CheckPermissionsRequest();
        batch.Checks.Add(Request());

        await api.CheckPermissionAsync(Request(), Context());
        await api.CheckPermissionsAsync(batch, Context());

        Assert.Equal([PermsActivitySource.Check, PermsActivitySource.CheckBatch], spans.Select(s => s.OperationName));
        Assert.All(spans, s => Assert.Equal(request.TraceId, s.TraceId));
        Assert.All(spans, s => Assert.Equal(request.SpanId, s.ParentSpanId));
        var check = spans.First();
        Assert.Equal("u1", check.GetTagItem("perms.user_id"));
        Assert.Equal(true, check.GetTagItem("perms.allowed"));
        Assert.Equal("admin", check.GetTagItem("perms.granted_by_role"));
    }

    private sealed class Checker(Func<string, CheckResult> check) : IPermissionChecker
    {
        public ValueTask<CheckResult> CheckOrganizationAsync(string userId, string organizationId, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken) =>
            ValueTask.FromResult(check(userId));

        public ValueTask<CheckResult> CheckPlatformAsync(string userId, PermissionRequest request, ReadConsistency consistency, CancellationToken cancellationToken) =>
            ValueTask.FromResult(check(userId));

        public ValueTask<EffectivePermissions> GetEffectivePermissionsAsync(string userId, string organizationId, ReadConsistency consistency, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new EffectivePermissions(DecisionReason.Allowed, [], [], AsOf));

        public ValueTask<UserMemberships> GetMembershipsAsync(string userId, ReadConsistency consistency, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new UserMemberships(new UserSnapshot(userId, null, [], AsOf), []));
    }
}
