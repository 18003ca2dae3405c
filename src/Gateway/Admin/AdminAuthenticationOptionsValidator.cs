using Microsoft.Extensions.Options;
using Perms.Gateway.Auth;

namespace Perms.Gateway.Admin;

/// <summary>
/// Validates <see cref="AdminAuthenticationOptions"/>, naming each key and how to fix it: the tokens load, and none of
/// them is also a caller token (read from <c>Perms:Auth</c> in <paramref name="configuration"/>, when it loads).
/// </summary>
/// <param name="configuration">The configuration holding <c>Perms:Auth</c>; null to skip the overlap check.</param>
public sealed class AdminAuthenticationOptionsValidator(IConfiguration? configuration) : IValidateOptions<AdminAuthenticationOptions>
{
    private const string Section = AdminAuthenticationOptions.SectionName;

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AdminAuthenticationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.ReloadInterval < TimeSpan.FromSeconds(1))
        {
            errors.Add($"{Section}:ReloadInterval is {options.ReloadInterval}; give at least 00:00:01");
        }

        if (options.MinimumTokenLength < 16)
        {
            errors.Add($"{Section}:MinimumTokenLength is {options.MinimumTokenLength}; give at least 16");
        }

        if (options.TokensPath is null)
        {
            // Not configured: the admin API is off (every call says how to turn it on).
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }

        if (string.IsNullOrWhiteSpace(options.TokensPath))
        {
            errors.Add($"{Section}:TokensPath is empty. Point it (Perms__Admin__TokensPath) at a directory or file of admin tokens (the format of Perms:Auth:TokensPath), or remove it to turn the admin API off.");
            return ValidateOptionsResult.Fail(errors);
        }

        CallerTokenSet admins;
        try
        {
            admins = CallerTokenSet.Load(options.TokensPath, Math.Max(16, options.MinimumTokenLength));
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            errors.Add($"{Section}:TokensPath: {e.Message}");
            return ValidateOptionsResult.Fail(errors);
        }

        if (CallerTokens() is { } callers && admins.SharesTokenWith(callers))
        {
            errors.Add($"{Section}:TokensPath ({options.TokensPath}) holds a token that is also a caller token in {CallerAuthenticationOptions.SectionName}:TokensPath. Give operators tokens of their own: a caller must never be able to flush or deactivate.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private CallerTokenSet? CallerTokens()
    {
        var callers = configuration?.GetSection(CallerAuthenticationOptions.SectionName).Get<CallerAuthenticationOptions>() ?? new CallerAuthenticationOptions();
        if (callers.Mode != CallerAuthenticationMode.Tokens || string.IsNullOrWhiteSpace(callers.TokensPath))
        {
            return null;
        }

        try
        {
            // Any length: a short caller token is the caller validator's to report, and may still equal an admin token.
            return CallerTokenSet.Load(callers.TokensPath, minimumLength: 0);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            // Reported by Perms:Auth's own validator.
            return null;
        }
    }
}
