using Microsoft.Extensions.Options;

namespace Perms.Gateway.Auditing;

/// <summary>
/// Validates <see cref="AuditOptions"/>: an audit log switched on must not be filtered out by the logging levels, or
/// the operator believes decisions are recorded while nothing is written.
/// </summary>
/// <param name="loggers">The process's logger factory (its configured levels).</param>
internal sealed class AuditOptionsValidator(ILoggerFactory loggers) : IValidateOptions<AuditOptions>
{
    public ValidateOptionsResult Validate(string? name, AuditOptions options)
    {
        if (!options.Enabled || loggers.CreateLogger(AuditLog.Category).IsEnabled(LogLevel.Information))
        {
            return ValidateOptionsResult.Success;
        }

        return ValidateOptionsResult.Fail(
            $"{AuditOptions.SectionName}:Enabled is true, but the logging levels filter out Information lines of category {AuditLog.Category}, so no decision would be recorded. Set Logging:LogLevel:{AuditLog.Category} to Information (Logging__LogLevel__{AuditLog.Category}=Information), or set {AuditOptions.SectionName}:Enabled to false.");
    }
}
