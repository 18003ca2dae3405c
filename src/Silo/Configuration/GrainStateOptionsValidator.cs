using Microsoft.Extensions.Options;
using Perms.Grains.Caching;

namespace Perms.Silo.Configuration;

/// <summary>Validates each grain type's lifetimes, naming the key and the allowed range.</summary>
internal sealed class GrainStateOptionsValidator : IValidateOptions<GrainStateOptions>
{
    public ValidateOptionsResult Validate(string? name, GrainStateOptions options)
    {
        var section = name ?? "Perms:Grains";
        var errors = new List<string>();
        void Range(string key, TimeSpan value, TimeSpan min, TimeSpan max)
        {
            if (value < min || value > max)
            {
                errors.Add($"{section}:{key} is {value}; give a value between {min} and {max}");
            }
        }

        Range(nameof(options.CollectionAge), options.CollectionAge, OrleansSiloOptions.MinimumCollectionAge, TimeSpan.FromDays(1));
        Range(nameof(options.MaxStaleness), options.MaxStaleness, TimeSpan.FromMilliseconds(100), TimeSpan.FromDays(1));
        Range(nameof(options.FailureBackoff), options.FailureBackoff, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        Range(nameof(options.MaxFailureBackoff), options.MaxFailureBackoff, options.FailureBackoff, TimeSpan.FromMinutes(10));
        Range(nameof(options.LoadTimeout), options.LoadTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(5));
        if (options.MaxStaleness < options.LoadTimeout * 2)
        {
            // Waiters judge freshness after the load: a load slower than the staleness bound would always be stale.
            errors.Add($"{section}:{nameof(options.MaxStaleness)} ({options.MaxStaleness}) must be at least twice {section}:{nameof(options.LoadTimeout)} ({options.LoadTimeout})");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
