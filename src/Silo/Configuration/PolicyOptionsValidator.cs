using Microsoft.Extensions.Options;
using Perms.Grains.Policy;

namespace Perms.Silo.Configuration;

/// <summary>Refuses to start with a policy file that is missing or invalid, listing every problem.</summary>
internal sealed class PolicyOptionsValidator : IValidateOptions<PolicyOptions>
{
    public ValidateOptionsResult Validate(string? name, PolicyOptions options)
    {
        if (options.Path is null)
        {
            return ValidateOptionsResult.Success;
        }

        if (string.IsNullOrWhiteSpace(options.Path))
        {
            return ValidateOptionsResult.Fail($"{PolicyOptions.SectionName}:Path is empty. Set it to the policy file's path (Perms__Policy__Path), or remove it to use Better Auth's defaults.");
        }

        try
        {
            PolicyParser.ParseFile(options.Path);
            return ValidateOptionsResult.Success;
        }
        catch (PolicyValidationException e)
        {
            return ValidateOptionsResult.Fail(e.Errors.Select(error =>
                $"{PolicyOptions.SectionName}:Path ({options.Path}): {error}"));
        }
    }
}
