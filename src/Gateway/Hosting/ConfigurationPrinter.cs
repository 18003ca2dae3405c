using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Perms.Gateway.Hosting;

/// <summary>
/// <c>--print-config</c>: every listed option as <c>Section:Key = value</c> — the effective values (defaults, files,
/// environment, command line, post-configuration) — with secrets masked,
/// followed by the validation failures, if any.
/// </summary>
public static partial class ConfigurationPrinter
{
    private const string Masked = "***";

    /// <summary>Prints the configuration of <paramref name="services"/>' listed options.</summary>
    /// <returns>True when every option is valid.</returns>
    public static bool Print(IServiceProvider services, IConfiguration configuration, TextWriter output, string process)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(output);
        foreach (var printable in services.GetServices<PrintableOptions>().DistinctBy(p => (p.OptionsType, p.Name)).OrderBy(p => p.Section, StringComparer.Ordinal))
        {
            IEnumerable<(string Key, string Value)> lines;
            try
            {
                lines = Flatten(printable.Section, printable.Resolve(services), depth: 0);
            }
            catch (Exception e) when (e is OptionsValidationException or InvalidOperationException)
            {
                // Options that cannot be built (invalid, or a value of the wrong type): what the section itself says.
                lines = configuration.GetSection(printable.Section).AsEnumerable(makePathsRelative: false)
                    .Where(pair => pair.Value is not null)
                    .OrderBy(pair => pair.Key, StringComparer.Ordinal)
                    .Select(pair => (pair.Key, Mask(pair.Key, pair.Value!)));
            }

            foreach (var (key, text) in lines)
            {
                output.WriteLine($"{key} = {text}");
            }
        }

        var failures = StartupValidation.Failures(services);
        if (failures.Count > 0)
        {
            output.WriteLine();
            output.WriteLine($"{process}: the configuration is invalid:");
            foreach (var failure in failures)
            {
                output.WriteLine("  " + failure);
            }
        }

        return failures.Count == 0;
    }

    /// <summary>The value to show for <paramref name="key"/>: secrets masked, credentials in URLs and connection strings hidden.</summary>
    public static string Mask(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        var name = key[(key.LastIndexOf(':') + 1)..];
        if (value.Length == 0)
        {
            return value;
        }

        if (name.EndsWith("Token", StringComparison.OrdinalIgnoreCase) || name.EndsWith("Password", StringComparison.OrdinalIgnoreCase) || name.EndsWith("Secret", StringComparison.OrdinalIgnoreCase))
        {
            return Masked;
        }

        if (name.EndsWith("ConnectionString", StringComparison.OrdinalIgnoreCase))
        {
            return ConnectionStringSecret().Replace(value, m => m.Groups["key"].Value + "=" + Masked);
        }

        // nats://user:password@host, postgres://user:password@host, several comma-separated.
        return UrlCredentials().Replace(value, m => m.Groups["scheme"].Value + Masked + "@");
    }

    private static IEnumerable<(string Key, string Value)> Flatten(string prefix, object? value, int depth)
    {
        switch (value)
        {
            case null:
                yield return (prefix, "(not set)");
                yield break;
            case string or TimeSpan or bool or Enum or Uri or DateTimeOffset or Guid:
                yield return (prefix, Mask(prefix, Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty));
                yield break;
            case IFormattable formattable when value.GetType().IsPrimitive || value is decimal:
                yield return (prefix, formattable.ToString(null, CultureInfo.InvariantCulture));
                yield break;
            case IDictionary dictionary:
                foreach (DictionaryEntry entry in dictionary)
                {
                    foreach (var item in Flatten($"{prefix}:{entry.Key}", entry.Value, depth + 1))
                    {
                        yield return item;
                    }
                }

                yield break;
            case IEnumerable sequence:
                var index = 0;
                foreach (var element in sequence)
                {
                    foreach (var item in Flatten($"{prefix}:{index++}", element, depth + 1))
                    {
                        yield return item;
                    }
                }

                yield break;
        }

        var type = value.GetType();
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0).ToList();
        if (properties.Count == 0 || depth > 4)
        {
            // A value type of its own (e.g. an address): its text.
            yield return (prefix, Mask(prefix, value.ToString() ?? string.Empty));
            yield break;
        }

        foreach (var property in properties.OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            foreach (var item in Flatten($"{prefix}:{property.Name}", property.GetValue(value), depth + 1))
            {
                yield return item;
            }
        }
    }

    [GeneratedRegex(@"(?<key>(?:Password|Pwd))\s*=\s*(?:""[^""]*""|'[^']*'|[^;]*)", RegexOptions.IgnoreCase)]
    private static partial Regex ConnectionStringSecret();

    [GeneratedRegex(@"(?<scheme>[a-z][a-z0-9+.-]*://)[^@\s,]*@", RegexOptions.IgnoreCase)]
    private static partial Regex UrlCredentials();
}
