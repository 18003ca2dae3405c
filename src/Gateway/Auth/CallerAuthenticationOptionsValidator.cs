using Microsoft.Extensions.Options;

namespace Perms.Gateway.Auth;

/// <summary>Validates <see cref="CallerAuthenticationOptions"/>, naming each key and how to fix it.</summary>
internal sealed class CallerAuthenticationOptionsValidator : IValidateOptions<CallerAuthenticationOptions>
{
    public ValidateOptionsResult Validate(string? name, CallerAuthenticationOptions options)
    {
        var errors = new List<string>();
        if (options.Mode == CallerAuthenticationMode.Tokens)
        {
            if (string.IsNullOrWhiteSpace(options.TokensPath))
            {
                errors.Add($"{CallerAuthenticationOptions.SectionName}:TokensPath is not set. Point it (Perms__Auth__TokensPath) at a mounted Secret directory or a token file, or set {CallerAuthenticationOptions.SectionName}:Mode to Development on a developer's machine.");
            }
            else
            {
                try
                {
                    CallerTokenSet.Load(options.TokensPath, options.MinimumTokenLength);
                }
                catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
                {
                    errors.Add($"{CallerAuthenticationOptions.SectionName}:TokensPath: {e.Message}");
                }
            }
        }

        if (options.ReloadInterval < TimeSpan.FromSeconds(1))
        {
            errors.Add($"{CallerAuthenticationOptions.SectionName}:ReloadInterval is {options.ReloadInterval}; give at least 00:00:01");
        }

        if (options.MinimumTokenLength < 16)
        {
            errors.Add($"{CallerAuthenticationOptions.SectionName}:MinimumTokenLength is {options.MinimumTokenLength}; give at least 16");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
