using System.Diagnostics;
using System.Globalization;
using System.Text;
using Google.Protobuf.Collections;
using Microsoft.Extensions.Options;
using Perms.Api.V1;
using Perms.Grains.Interfaces.Checks;
using Perms.Grains.Interfaces.Permissions;
using Perms.Grpc;

namespace Perms.Gateway.Auditing;

/// <summary>
/// The per-decision audit log (<c>Perms:Audit:Enabled</c>): one Information line on category <see cref="Category"/>
/// per permission check the silo answers — who asked (<c>caller</c>), for whom (<c>user_id</c>,
/// <c>organization_id</c>), what (<c>permissions</c>), the decision (<c>allowed</c>, <c>reason</c>,
/// <c>granted_by_role</c>), from which state (<c>consistency</c>, <c>state_as_of</c>) and the W3C <c>trace_id</c>. A
/// check that could not be decided (UNAVAILABLE, FAILED_PRECONDITION) is an <c>outcome=error</c> line with the status.
/// The placeholders are the field names, so the JSON console formatter writes them as <c>State</c> properties.
/// </summary>
public sealed partial class AuditLog
{
    /// <summary>The log category of audit lines.</summary>
    public const string Category = "Perms.Audit";

    /// <summary>The <c>caller</c> of a call whose caller was not recorded (a handler called without the gateway's filter).</summary>
    public const string UnknownCaller = "unknown";

    private readonly ILogger _logger;

    /// <summary>Creates the audit log.</summary>
    public AuditLog(IOptions<AuditOptions> options, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        IsEnabled = options.Value.Enabled;
        _logger = loggers.CreateLogger(Category);
    }

    /// <summary>Whether decisions are logged (read once at start-up: a cached bool on the hot path).</summary>
    public bool IsEnabled { get; }

    /// <summary>Logs one decision.</summary>
    /// <param name="caller">The calling service, or null when unknown.</param>
    /// <param name="method">The gRPC method name, e.g. <c>CheckPermission</c>.</param>
    /// <param name="userId">For whom.</param>
    /// <param name="organizationId">In which organization; null for a platform check.</param>
    /// <param name="permissions">What was asked.</param>
    /// <param name="consistency">The read consistency asked for.</param>
    /// <param name="result">The decision.</param>
    public void Decision(string? caller, string method, string userId, string? organizationId, MapField<string, Actions> permissions, ReadConsistency consistency, CheckResult result)
    {
        // The fields are formatted before the generated method checks the level: check first, so a level lowered at
        // run time costs nothing per check.
        if (!_logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        var decision = result.Decision;
        LogDecision(
            _logger,
            decision.Allowed ? "allowed" : "denied",
            caller ?? UnknownCaller,
            method,
            userId,
            organizationId ?? "",
            FormatPermissions(permissions),
            decision.Allowed,
            ReasonName(decision.Reason),
            decision.GrantedByRole ?? "",
            FormatConsistency(consistency),
            FormatTime(result.StateAsOf),
            CurrentTraceId());
    }

    /// <summary>Logs a check that ended without a decision, with its status.</summary>
    /// <param name="caller">The calling service, or null when unknown.</param>
    /// <param name="method">The gRPC method name.</param>
    /// <param name="userId">For whom.</param>
    /// <param name="organizationId">In which organization; null for a platform check.</param>
    /// <param name="permissions">What was asked.</param>
    /// <param name="consistency">The read consistency asked for.</param>
    /// <param name="code">The status the caller got.</param>
    /// <param name="detail">The status's message.</param>
    public void Error(string? caller, string method, string userId, string? organizationId, MapField<string, Actions> permissions, ReadConsistency consistency, GrpcStatusCode code, string detail)
    {
        if (!_logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        LogError(
            _logger,
            "error",
            caller ?? UnknownCaller,
            method,
            userId,
            organizationId ?? "",
            FormatPermissions(permissions),
            StatusName(code),
            detail,
            FormatConsistency(consistency),
            CurrentTraceId());
    }

    /// <summary>The request in compact form: <c>project:read,update;member:create</c>, in request order.</summary>
    public static string FormatPermissions(MapField<string, Actions> permissions)
    {
        ArgumentNullException.ThrowIfNull(permissions);
        var text = new StringBuilder();
        foreach (var (resource, actions) in permissions)
        {
            if (text.Length > 0)
            {
                text.Append(';');
            }

            text.Append(resource).Append(':');
            if (actions is not null)
            {
                for (var i = 0; i < actions.Actions_.Count; i++)
                {
                    if (i > 0)
                    {
                        text.Append(',');
                    }

                    text.Append(actions.Actions_[i]);
                }
            }
        }

        return text.ToString();
    }

    /// <summary><c>minimize_latency</c>, <c>fully_consistent</c> or <c>at_least_as_fresh:2026-01-02T03:04:05.0000000+00:00</c>.</summary>
    public static string FormatConsistency(ReadConsistency consistency) => consistency.Kind switch
    {
        ReadConsistencyKind.AtLeastAsFresh => "at_least_as_fresh:" + FormatTime(consistency.NotReadBefore),
        ReadConsistencyKind.FullyConsistent => "fully_consistent",
        _ => "minimize_latency",
    };

    /// <summary>The API's name of <paramref name="reason"/> (the <c>Reason</c> enum of permission_service.proto).</summary>
    public static string ReasonName(DecisionReason reason) => reason switch
    {
        DecisionReason.Allowed => "ALLOWED",
        DecisionReason.AllowedAsAdminUserId => "ALLOWED_AS_ADMIN_USER_ID",
        DecisionReason.NotAMember => "NOT_A_MEMBER",
        DecisionReason.Banned => "BANNED",
        DecisionReason.EmptyRequest => "EMPTY_REQUEST",
        DecisionReason.UnknownPermission => "UNKNOWN_PERMISSION",
        DecisionReason.NoRoleGrants => "NO_ROLE_GRANTS",
        DecisionReason.UserNotFound => "USER_NOT_FOUND",
        _ => "REASON_UNSPECIFIED",
    };

    /// <summary>The gRPC name of <paramref name="code"/>: <c>UNAVAILABLE</c>, <c>FAILED_PRECONDITION</c>…</summary>
    public static string StatusName(GrpcStatusCode code)
    {
        var name = code.ToString();
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]))
            {
                text.Append('_');
            }

            text.Append(char.ToUpperInvariant(name[i]));
        }

        return text.ToString();
    }

    private static string FormatTime(DateTimeOffset time) => time.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private static string CurrentTraceId() => Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity.TraceId.ToHexString() : "";

    [LoggerMessage(EventId = 1, EventName = "Decision", Level = LogLevel.Information,
        Message = "audit {outcome}: caller={caller} method={method} user_id={user_id} organization_id={organization_id} permissions={permissions} allowed={allowed} reason={reason} granted_by_role={granted_by_role} consistency={consistency} state_as_of={state_as_of} trace_id={trace_id}")]
#pragma warning disable IDE1006 // The parameters are named as the audit line's fields, so structured logs carry those names.
    private static partial void LogDecision(ILogger logger, string outcome, string caller, string method, string user_id, string organization_id, string permissions, bool allowed, string reason, string granted_by_role, string consistency, string state_as_of, string trace_id);

    [LoggerMessage(EventId = 2, EventName = "Error", Level = LogLevel.Information,
        Message = "audit {outcome}: caller={caller} method={method} user_id={user_id} organization_id={organization_id} permissions={permissions} status={status} detail={detail} consistency={consistency} trace_id={trace_id}")]
    private static partial void LogError(ILogger logger, string outcome, string caller, string method, string user_id, string organization_id, string permissions, string status, string detail, string consistency, string trace_id);
#pragma warning restore IDE1006
}
