using System.Globalization;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Perms.Api.Admin.V1;
using Perms.Grpc;

namespace Perms.Silo.Commands;

/// <summary>
/// <c>perms admin COMMAND …</c>: the admin API (perms.admin.v1.AdminService) from a shell. Calls one silo, which acts
/// on the whole cluster (<c>--all-silos</c> is accepted and changes nothing). Human-readable output
/// by default, <c>--json</c> for scripts. Exit code 0: done; 1: a call failed; 2: usage error.
/// </summary>
internal static class AdminCommand
{
    private const string Service = "/perms.admin.v1.AdminService/";

    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    /// <summary>Runs the command.</summary>
    /// <param name="args">The arguments after <c>admin</c>.</param>
    /// <param name="output">Where results go.</param>
    /// <param name="error">Where usage and failures go.</param>
    /// <param name="environmentToken">The PERMS_ADMIN_TOKEN environment variable (used without --token-file).</param>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, string? environmentToken)
    {
        if (AdminCommandLine.Parse(args, out var usageError) is not { } line)
        {
            await error.WriteLineAsync($"perms admin: {usageError}").ConfigureAwait(false);
            await error.WriteLineAsync(AdminCommandLine.Usage).ConfigureAwait(false);
            return 2;
        }

        string token;
        if (line.TokenFile is { } file)
        {
            try
            {
                token = (await File.ReadAllTextAsync(file).ConfigureAwait(false)).Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                await error.WriteLineAsync($"perms admin: --token-file {file}: {e.Message}").ConfigureAwait(false);
                return 2;
            }
        }
        else
        {
            token = environmentToken?.Trim() ?? string.Empty;
        }

        if (token.Length == 0)
        {
            await error.WriteLineAsync("perms admin: no admin token: give --token-file FILE or set PERMS_ADMIN_TOKEN (a token from the silo's Perms:Admin:TokensPath)").ConfigureAwait(false);
            return 2;
        }

        if (ToUri(line.Address, line.Tls) is not { } address)
        {
            await error.WriteLineAsync($"perms admin: --address \"{line.Address}\" is not host:port or an http(s):// URL").ConfigureAwait(false);
            await error.WriteLineAsync(AdminCommandLine.Usage).ConfigureAwait(false);
            return 2;
        }

        GrpcChannelOptions channelOptions;
        try
        {
            channelOptions = ChannelOptions(line);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            await error.WriteLineAsync($"perms admin: --ca-file {line.CaFile}: {e.Message}").ConfigureAwait(false);
            return 2;
        }

        var callOptions = new GrpcCallOptions { Headers = [new("authorization", $"Bearer {token}")], Timeout = line.Timeout };
        var targets = new List<Uri> { address };
        if (line.AllSilos)
        {
            // Kept so scripts written for the home-made cluster still run: every command acts on the whole cluster.
            await error.WriteLineAsync("perms admin: --all-silos is no longer needed: every command acts on the whole Orleans cluster").ConfigureAwait(false);
        }

        var results = new List<(Uri Target, Result Result)>();
        foreach (var target in targets)
        {
            results.Add((target, await RunOnAsync(target, channelOptions, line, callOptions).ConfigureAwait(false)));
        }

        if (line.Json)
        {
            await output.WriteLineAsync(Json(line, results)).ConfigureAwait(false);
        }

        var failed = false;
        foreach (var (target, result) in results)
        {
            if (result.Error is { } callError)
            {
                failed = true;
                await error.WriteLineAsync($"perms admin: {Authority(target)}: {Name(callError.Code)}: {callError.Detail}").ConfigureAwait(false);
                continue;
            }

            if (!line.Json)
            {
                await output.WriteAsync(Human(line, result.Response!)).ConfigureAwait(false);
            }
        }

        return failed ? 1 : 0;
    }

    private static Task<Result> RunOnAsync(Uri target, GrpcChannelOptions channelOptions, AdminCommandLine line, GrpcCallOptions callOptions) => line.Command switch
    {
        "activations" => CallAsync(target, channelOptions, line, callOptions, "ListActivations", new ListActivationsRequest { SampleSize = line.SampleSize }, ListActivationsResponse.Parser),
        "deactivate-user" => CallAsync(target, channelOptions, line, callOptions, "DeactivateUser", new DeactivateUserRequest { UserId = line.Argument! }, DeactivateUserResponse.Parser),
        "deactivate-organization" => CallAsync(target, channelOptions, line, callOptions, "DeactivateOrganization", new DeactivateOrganizationRequest { OrganizationId = line.Argument! }, DeactivateOrganizationResponse.Parser),
        "flush" => CallAsync(target, channelOptions, line, callOptions, "FlushAll", new FlushAllRequest(), FlushAllResponse.Parser),
        "policy" => CallAsync(target, channelOptions, line, callOptions, "GetPolicy", new GetPolicyRequest { IncludeText = line.Show }, GetPolicyResponse.Parser),
        _ => CallAsync(target, channelOptions, line, callOptions, "GetClusterView", new GetClusterViewRequest(), GetClusterViewResponse.Parser),
    };

    private static async Task<Result> CallAsync<TRequest, TResponse>(
        Uri target,
        GrpcChannelOptions channelOptions,
        AdminCommandLine line,
        GrpcCallOptions callOptions,
        string method,
        TRequest request,
        MessageParser<TResponse> parser)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        using var channel = new GrpcChannel(target, channelOptions);
        try
        {
            return new Result(await channel.CallUnaryAsync(Service + method, request, parser, callOptions).ConfigureAwait(false), null);
        }
        catch (GrpcStatusException e)
        {
            return new Result(null, e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException or AuthenticationException)
        {
            return new Result(null, new GrpcStatusException(GrpcStatusCode.Unavailable, e.Message));
        }
    }

    private static async Task ReportFailureAsync(TextWriter output, TextWriter error, AdminCommandLine line, Uri target, GrpcStatusException e, string what)
    {
        if (line.Json)
        {
            await output.WriteLineAsync(Json(line, [(target, new Result(null, e))])).ConfigureAwait(false);
        }

        await error.WriteLineAsync($"perms admin: {Authority(target)}: {Name(e.Code)}: {e.Detail} ({what})").ConfigureAwait(false);
    }

    private static string Json(AdminCommandLine line, List<(Uri Target, Result Result)> results)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            if (!line.AllSilos && results is [var (_, only)])
            {
                WriteResult(writer, only);
            }
            else
            {
                writer.WriteStartArray();
                foreach (var (target, result) in results)
                {
                    writer.WriteStartObject();
                    writer.WriteString("address", Authority(target));
                    writer.WritePropertyName(result.Error is null ? "response" : "error");
                    WriteResult(writer, result, wrapError: false);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteResult(Utf8JsonWriter writer, Result result, bool wrapError = true)
    {
        if (result.Response is { } response)
        {
            writer.WriteRawValue(Formatter.Format(response));
            return;
        }

        if (wrapError)
        {
            writer.WriteStartObject();
            writer.WritePropertyName("error");
        }

        writer.WriteStartObject();
        writer.WriteString("code", Name(result.Error!.Code));
        writer.WriteString("message", result.Error.Detail);
        writer.WriteEndObject();
        if (wrapError)
        {
            writer.WriteEndObject();
        }
    }

    private static string Human(AdminCommandLine line, IMessage response)
    {
        var text = new StringBuilder();
        var invariant = CultureInfo.InvariantCulture;
        switch (response)
        {
            case ListActivationsResponse activations:
                foreach (var type in activations.GrainTypes)
                {
                    text.AppendLine(invariant, $"{type.GrainType}: {type.Count} activation{(type.Count == 1 ? "" : "s")}, ~{Bytes(type.EstimatedBytes)}");
                    if (type.SampleKeys.Count > 0)
                    {
                        text.AppendLine(invariant, $"  sample ({type.SampleKeys.Count}): {string.Join(", ", type.SampleKeys)}");
                    }
                }

                break;
            case DeactivateUserResponse user:
                text.AppendLine(user.Deactivated ? $"user {line.Argument}: deactivated" : $"user {line.Argument}: was not active");
                break;
            case DeactivateOrganizationResponse organization:
                text.AppendLine(invariant, $"organization {line.Argument}: {(organization.OrganizationDeactivated ? "deactivated" : "was not active")}; {organization.UsersDeactivated} user grain{(organization.UsersDeactivated == 1 ? "" : "s")} deactivated");
                break;
            case FlushAllResponse flush:
                text.AppendLine(invariant, $"flushed: {flush.UsersDeactivated} user and {flush.OrganizationsDeactivated} organization grains deactivated");
                break;
            case GetPolicyResponse policy:
                text.AppendLine(policy.Source == "file" ? $"policy: {policy.Path}" : "policy: built-in (Better Auth's defaults; no Perms:Policy:Path)");
                text.AppendLine($"sha256: {policy.Sha256}");
                text.AppendLine(invariant, $"loaded at: {policy.LoadedAt.ToDateTimeOffset():yyyy-MM-dd HH:mm:ss} UTC");
                text.AppendLine($"organization roles: {string.Join(", ", policy.OrganizationRoles)}; dynamic roles {(policy.DynamicAccessControl ? "on" : "off")}");
                text.AppendLine($"admin roles: {string.Join(", ", policy.AdminRoles)}");
                text.AppendLine($"bans: {policy.BanMode}");
                if (line.Show)
                {
                    text.Append(policy.Text);
                    if (!policy.Text.EndsWith('\n'))
                    {
                        text.AppendLine();
                    }
                }

                break;
            case GetClusterViewResponse view:
                text.AppendLine(invariant, $"{view.Role}{(view.Self.Length > 0 ? " " + view.Self : "")}; membership {view.Provider}; {(view.Clustered ? $"view v{view.Version}, {view.Silos.Count} silo{(view.Silos.Count == 1 ? "" : "s")}" : "not clustered (a silo alone)")}");
                foreach (var silo in view.Silos)
                {
                    var notes = new List<string>();
                    if (silo.Self)
                    {
                        notes.Add("self");
                    }

                    if (silo.Suspected)
                    {
                        notes.Add("suspected");
                    }

                    text.AppendLine($"  {silo.Address}{(notes.Count > 0 ? "  (" + string.Join(", ", notes) + ")" : "")}");
                }

                break;
        }

        return text.ToString();
    }

    private static string Bytes(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):0.##} GiB"),
    };

    /// <summary>PERMISSION_DENIED for PermissionDenied: the name gRPC documents.</summary>
    private static string Name(GrpcStatusCode code)
    {
        var name = code.ToString();
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]) && !char.IsUpper(name[i - 1]))
            {
                text.Append('_');
            }

            text.Append(char.ToUpperInvariant(name[i]));
        }

        return text.ToString();
    }

    private static string Authority(Uri uri) => uri.Authority;

    private static Uri? ToUri(string address, bool tls)
    {
        var text = address.Contains("://", StringComparison.Ordinal) ? address : (tls ? "https://" : "http://") + address;
        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Host.Length > 0
            ? uri
            : null;
    }

    private static GrpcChannelOptions ChannelOptions(AdminCommandLine line)
    {
        if (line.CaFile is not { } caFile)
        {
            return new GrpcChannelOptions { ConnectTimeout = TimeSpan.FromSeconds(5) };
        }

        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(caFile);
        return new GrpcChannelOptions
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (errors == SslPolicyErrors.None)
                    {
                        return true;
                    }

                    if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(new X509Certificate2(certificate));
                },
            },
        };
    }

    private sealed record Result(IMessage? Response, GrpcStatusException? Error);
}
