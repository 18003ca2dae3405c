using System.Globalization;

namespace Perms.LoadTest;

/// <summary>A small parser for <c>--name value</c> and <c>--flag</c> options, reporting every problem at once.</summary>
internal static class CommandLine
{
    public static Dictionary<string, string?> Parse(string[] args, string[] valued, string[] flags, out List<string> problems)
    {
        problems = [];
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i].StartsWith("--", StringComparison.Ordinal) ? args[i][2..] : null;
            if (name is not null && valued.Contains(name))
            {
                if (i + 1 >= args.Length)
                {
                    problems.Add($"--{name} needs a value");
                    break;
                }

                result[name] = args[++i];
            }
            else if (name is not null && flags.Contains(name))
            {
                result[name] = null;
            }
            else
            {
                problems.Add($"unknown argument {args[i]}");
            }
        }

        return result;
    }

    public static int Int(Dictionary<string, string?> options, string name, int fallback, List<string> problems)
    {
        var value = Long(options, name, fallback, problems);
        if (value is < int.MinValue or > int.MaxValue)
        {
            problems.Add($"--{name} is too large");
            return fallback;
        }

        return (int)value;
    }

    public static long Long(Dictionary<string, string?> options, string name, long fallback, List<string> problems)
    {
        if (!options.TryGetValue(name, out var text))
        {
            return fallback;
        }

        if (long.TryParse(text?.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        problems.Add($"--{name} must be a whole number, got \"{text}\"");
        return fallback;
    }

    public static double Double(Dictionary<string, string?> options, string name, double fallback, List<string> problems)
    {
        if (!options.TryGetValue(name, out var text))
        {
            return fallback;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        problems.Add($"--{name} must be a number, got \"{text}\"");
        return fallback;
    }
}
