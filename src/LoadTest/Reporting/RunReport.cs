using Perms.LoadTest.Running;

namespace Perms.LoadTest.Reporting;

/// <summary>
/// Everything one invocation of the harness measured, as the JSON and HTML reports show it. Build it with
/// <see cref="Create"/>, which fills the ratios and the environment.
/// </summary>
/// <param name="Title">What the run compares (e.g. <c>CheckPermission: Perms vs Better Auth</c>).</param>
/// <param name="StartedAt">When the run started (UTC).</param>
/// <param name="CommandLine">The exact command, to re-run it (see <see cref="CurrentCommandLine"/>).</param>
/// <param name="Parameters">Free-form facts about the run: dataset, addresses, connections, consistency mode…</param>
/// <param name="Results">One result per target (and phase), in the order they ran.</param>
/// <param name="Baseline">The target name the ratios are computed against, if any.</param>
/// <param name="Ratios">Each other result against the baseline.</param>
internal sealed record RunReport(
    string Title,
    DateTimeOffset StartedAt,
    string CommandLine,
    IReadOnlyDictionary<string, string> Parameters,
    IReadOnlyList<LoadResult> Results,
    string? Baseline,
    IReadOnlyList<ResultRatio> Ratios)
{
    /// <summary>The machine the run was measured on; this process's unless set.</summary>
    public RunEnvironment Environment { get; init; } = RunEnvironment.Current();

    /// <summary>
    /// A report of <paramref name="results"/>, with the ratio of every other result against
    /// <paramref name="baseline"/> (one of the results, or null for none) and this process's environment.
    /// </summary>
    public static RunReport Create(
        string title,
        DateTimeOffset startedAt,
        IReadOnlyDictionary<string, string> parameters,
        IReadOnlyList<LoadResult> results,
        LoadResult? baseline = null,
        string? commandLine = null)
    {
        ArgumentNullException.ThrowIfNull(results);
        var ratios = baseline is null
            ? []
            : results.Where(result => !ReferenceEquals(result, baseline)).Select(result => ResultRatio.Compute(result, baseline)).ToList();
        return new RunReport(title, startedAt.ToUniversalTime(), commandLine ?? CurrentCommandLine(), parameters, results, baseline?.Target, ratios);
    }

    /// <summary>This process's command line as a shell would take it: <c>perms-loadtest run --rate 1000 …</c>.</summary>
    /// <remarks>Credentials are masked: the value after <c>--database</c>, <c>--token</c> or <c>--nats</c> keeps its shape but not its password.</remarks>
    public static string CurrentCommandLine()
    {
        var args = System.Environment.GetCommandLineArgs().Skip(1).ToArray();
        for (var i = 1; i < args.Length; i++)
        {
            args[i] = args[i - 1] switch
            {
                "--token" => "***",
                "--database" or "--nats" or "--connection" => MaskSecrets(args[i]),
                _ => args[i],
            };
        }

        return string.Join(' ', ["perms-loadtest", .. args.Select(Quote)]);
    }

    // postgres://user:PASSWORD@host/db, nats://user:PASSWORD@host, Password=…; in Npgsql connection strings.
    private static string MaskSecrets(string value) =>
        System.Text.RegularExpressions.Regex.Replace(
            System.Text.RegularExpressions.Regex.Replace(value, @"(?<=://[^:/@]*:)[^@]*(?=@)", "***"),
            @"(?i)(?<=password=)[^;]*",
            "***");

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,@%+".Contains(c, StringComparison.Ordinal))
            ? argument
            : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
