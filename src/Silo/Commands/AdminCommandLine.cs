using System.Globalization;

namespace Perms.Silo.Commands;

/// <summary>The parsed arguments of <c>perms admin</c>; <see cref="Parse"/> returns null and an error for bad usage.</summary>
internal sealed class AdminCommandLine
{
    /// <summary>The usage text printed with exit code 2.</summary>
    public const string Usage = """
        usage: perms admin COMMAND [--address HOST:PORT] [--token-file FILE] [--tls [--ca-file FILE]] [--all-silos] [--json] [--timeout SECONDS]

        commands:
          activations [--sample N]      activations per grain type, estimated bytes, N sample keys (default 20, at most 1000)
          deactivate-user USER_ID       deactivate the user's grain: the next check reads PostgreSQL
          deactivate-organization ORG_ID
                                        deactivate the organization's grain and the grains of its members
          flush                         deactivate every grain
          policy [--show]               the loaded policy's source, SHA-256 and summary (--show: its JSON)
          cluster                       the process's cluster view (a gateway answers this one too)

        options:
          --address HOST:PORT   the silo (or gateway) to call; an http:// or https:// URL works too (default 127.0.0.1:50051)
          --token-file FILE     a file holding the admin token; otherwise the PERMS_ADMIN_TOKEN environment variable
          --tls                 call over TLS (https); --ca-file FILE trusts that CA bundle besides the system's
          --all-silos           accepted for old scripts; every command acts on the whole cluster
          --json                print the responses as JSON (proto3 JSON mapping) for scripts
          --timeout SECONDS     each call's deadline (default 10)

        exit codes: 0 done; 1 a call failed (its gRPC status and message are printed); 2 usage error
        """;

    public string Command { get; private init; } = "";

    public string? Argument { get; private init; }

    public int SampleSize { get; private init; }

    public bool Show { get; private init; }

    public string Address { get; private init; } = "127.0.0.1:50051";

    public string? TokenFile { get; private init; }

    public bool Tls { get; private init; }

    public string? CaFile { get; private init; }

    public bool AllSilos { get; private init; }

    public bool Json { get; private init; }

    public TimeSpan Timeout { get; private init; } = TimeSpan.FromSeconds(10);

    public static AdminCommandLine? Parse(string[] args, out string? error)
    {
        error = null;
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            error = "no command given";
            return null;
        }

        var command = args[0];
        if (command is not ("activations" or "deactivate-user" or "deactivate-organization" or "flush" or "policy" or "cluster"))
        {
            error = $"unknown command \"{command}\"";
            return null;
        }

        string? problem = null;
        string? argument = null;
        int? sample = null;
        var show = false;
        string? address = null, tokenFile = null, caFile = null;
        bool tls = false, allSilos = false, json = false;
        double? timeout = null;
        for (var i = 1; i < args.Length; i++)
        {
            var arg = args[i];
            string? Value()
            {
                if (i + 1 >= args.Length)
                {
                    problem = $"{arg} needs a value";
                    return null;
                }

                return args[++i];
            }

            switch (arg)
            {
                case "--address":
                    address = Value();
                    break;
                case "--token-file":
                    tokenFile = Value();
                    break;
                case "--ca-file":
                    caFile = Value();
                    break;
                case "--tls":
                    tls = true;
                    break;
                case "--all-silos":
                    allSilos = true;
                    break;
                case "--json":
                    json = true;
                    break;
                case "--timeout":
                    if (Value() is { } t)
                    {
                        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds is <= 0 or > 3600)
                        {
                            problem = $"--timeout \"{t}\" is not a number of seconds from 0 to 3600";
                        }
                        else
                        {
                            timeout = seconds;
                        }
                    }

                    break;
                case "--sample" when command == "activations":
                    if (Value() is { } n)
                    {
                        if (!int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size is < 1 or > 1000)
                        {
                            problem = $"--sample \"{n}\" is not a number from 1 to 1000";
                        }
                        else
                        {
                            sample = size;
                        }
                    }

                    break;
                case "--show" when command == "policy":
                    show = true;
                    break;
                default:
                    if (arg.StartsWith('-') || argument is not null || command is not ("deactivate-user" or "deactivate-organization"))
                    {
                        problem = $"unexpected argument \"{arg}\" for {command}";
                    }
                    else
                    {
                        argument = arg;
                    }

                    break;
            }

            if (problem is not null)
            {
                error = problem;
                return null;
            }
        }

        if (command is "deactivate-user" or "deactivate-organization" && argument is null)
        {
            error = $"{command} needs an id";
            return null;
        }

        if (caFile is not null && !tls)
        {
            error = "--ca-file needs --tls";
            return null;
        }

        return new AdminCommandLine
        {
            Command = command,
            Argument = argument,
            SampleSize = sample ?? 0,
            Show = show,
            Address = address ?? "127.0.0.1:50051",
            TokenFile = tokenFile,
            Tls = tls,
            CaFile = caFile,
            AllSilos = allSilos,
            Json = json,
            Timeout = TimeSpan.FromSeconds(timeout ?? 10),
        };
    }
}
