using Perms.Grains.Caching;
using Microsoft.Extensions.Options;

namespace Perms.Silo.Configuration;

/// <summary>Validates <see cref="ConsistencyOptions"/>, naming the key.</summary>
internal sealed class ConsistencyOptionsValidator : IValidateOptions<ConsistencyOptions>
{
    public ValidateOptionsResult Validate(string? name, ConsistencyOptions options) =>
        options.ClockSkewMargin < TimeSpan.Zero || options.ClockSkewMargin > TimeSpan.FromMinutes(1)
            ? ValidateOptionsResult.Fail($"{ConsistencyOptions.SectionName}:{nameof(options.ClockSkewMargin)} is {options.ClockSkewMargin}; give a value between 00:00:00 and 00:01:00")
            : ValidateOptionsResult.Success;
}
