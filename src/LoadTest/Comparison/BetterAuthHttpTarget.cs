using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Perms.LoadTest.Generation;
using Perms.LoadTest.Running;
using Perms.LoadTest.Truth;

namespace Perms.LoadTest.Comparison;

/// <summary>
/// Better Auth's own <c>POST /api/auth/organization/has-permission</c> over HTTP/1.1, against the real Better Auth server
/// of <c>src/LoadTest/better-auth-server</c>: each request carries the checked user's session token as
/// <c>Authorization: Bearer</c> (Better Auth's bearer plugin) and <c>{ organizationId, permissions: { resource: [action] } }</c>,
/// the same cases the Perms targets get. <c>{"success":true|false}</c> is the answer; 401
/// <c>USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION</c> is Better Auth's deny for a non-member.
/// </summary>
/// <remarks>
/// Bans: Better Auth's hasPermission never reads <c>user.banned</c>, while the workload's expected answers follow the
/// silo's policy (the harness runs Perms' <c>deny</c> mode). So Better Auth is judged by the ground truth as Better
/// Auth defines it: a case of a user banned at that moment is judged by the same oracle with the ban ignored
/// (<see cref="BannedCases"/> counts them); every other case by the workload, exactly as the Perms targets are.
/// </remarks>
internal sealed class BetterAuthHttpTarget : ILoadTarget
{
    /// <summary>Better Auth's endpoint, relative to the server's address.</summary>
    public const string HasPermissionPath = "api/auth/organization/has-permission";

    /// <summary>The harness server's session route (not Better Auth's).</summary>
    public const string SessionsPath = "harness/sessions";

    /// <summary>Cases prepared (with sessions) by default: more than a Better Auth phase of a minute sends.</summary>
    public const int DefaultCases = 20_000;

    private const string NotAMember = "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION";
    private const int SessionBatch = 5_000;

    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly HttpClient _client;
    private readonly ICheckWorkload _workload;
    private readonly DatasetModel _model;
    private readonly int _caseCount;
    private readonly SemaphoreSlim _prepareLock = new(1, 1);
    private PreparedCase[] _cases = [];
    private long _bannedCases;

    /// <summary>Creates the target; sessions are made in <see cref="PrepareAsync"/>.</summary>
    /// <param name="name">The name in tables and reports.</param>
    /// <param name="address">The Better Auth server's base address (<c>http://127.0.0.1:PORT/</c>).</param>
    /// <param name="connections">HTTP/1.1 connections in the pool: one request in flight on each, so give at least the concurrency.</param>
    /// <param name="workload">The cases and their expected answers.</param>
    /// <param name="model">The dataset the workload draws from (to judge banned users' cases with the ban ignored).</param>
    /// <param name="cases">
    /// How many cases (sequence numbers 0 … cases − 1) get sessions up front; a later sequence number reuses case
    /// <c>sequence % cases</c>, so no session is ever made while measuring.
    /// </param>
    public BetterAuthHttpTarget(string name, Uri address, int connections, ICheckWorkload workload, DatasetModel model, int cases = DefaultCases)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(connections, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cases, 1);
        Name = name;
        _workload = workload;
        _model = model;
        _caseCount = cases;
        _client = new HttpClient(
            new SocketsHttpHandler
            {
                MaxConnectionsPerServer = connections,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
                ConnectTimeout = TimeSpan.FromSeconds(10),
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                // Each request carries its own user's token; a shared cookie jar would mix users' sessions.
                UseCookies = false,
                UseProxy = false,
            },
            disposeHandler: true)
        {
            BaseAddress = address,
            Timeout = TimeSpan.FromSeconds(30),
            DefaultRequestVersion = HttpVersion.Version11,
        };
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>Sessions made in <see cref="PrepareAsync"/> (distinct users of the prepared cases).</summary>
    public int Sessions { get; private set; }

    /// <summary>Of <see cref="Sessions"/>, users Better Auth calls banned (its admin plugin refused them a session).</summary>
    public int BannedUsers { get; private set; }

    /// <summary>Answers so far for users banned at the time, judged with the ban ignored (see the remarks on the class).</summary>
    public long BannedCases => Interlocked.Read(ref _bannedCases);

    /// <summary>
    /// Once (later calls return at once): takes the first cases of the workload and has the server make a Better
    /// Auth session for each of their users.
    /// </summary>
    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        await _prepareLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_cases.Length > 0)
            {
                return;
            }

            var checks = new CheckCase[_caseCount];
            for (var i = 0; i < checks.Length; i++)
            {
                checks[i] = _workload.Get(i);
            }

            var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
            var banned = new HashSet<string>(StringComparer.Ordinal);
            foreach (var batch in checks.Select(c => c.UserId).Distinct(StringComparer.Ordinal).Chunk(SessionBatch))
            {
                await CreateSessionsAsync(batch, tokens, banned, cancellationToken).ConfigureAwait(false);
            }

            // Better Auth's own view of bans (the admin plugin's refusal) must be the model's, or the data is not the manifest's.
            var now = DateTime.UtcNow;
            var disagree = checks.Select(c => c.UserIndex).Distinct()
                .Where(u => banned.Contains(DatasetSpec.UserId(u)) != PermissionOracle.IsBannedAt(_model.IsBanned(u), _model.BanExpires(u), now))
                .Take(5).Select(DatasetSpec.UserId).ToList();
            if (disagree.Count > 0)
            {
                throw new InvalidOperationException(
                    $"Better Auth and the dataset manifest disagree on whether these users are banned: {string.Join(", ", disagree)}. Is the server on the database and schema the manifest describes?");
            }

            Sessions = tokens.Count;
            BannedUsers = banned.Count;
            _cases = [.. checks.Select(c => new PreparedCase(c, Body(c), $"Bearer {tokens[c.UserId]}"))];
        }
        finally
        {
            _prepareLock.Release();
        }
    }

    /// <summary>One hasPermission call for case <c>sequence % cases</c>, judged.</summary>
    public async ValueTask<RequestResult> SendAsync(long sequence, CancellationToken cancellationToken)
    {
        var prepared = _cases[sequence % _cases.Length];
        using var request = new HttpRequestMessage(HttpMethod.Post, HasPermissionPath)
        {
            Content = new ByteArrayContent(prepared.Body) { Headers = { ContentType = Json } },
        };
        request.Headers.TryAddWithoutValidation("authorization", prepared.Authorization);
        bool allowed;
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (Answer(response.StatusCode, body) is not { } answer)
            {
                return new RequestResult(RequestOutcome.Error, $"HTTP {(int)response.StatusCode}{ErrorCode(body)}");
            }

            allowed = answer;
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new RequestResult(RequestOutcome.Error, e is OperationCanceledException ? "timeout" : "transport");
        }

        return Judge(prepared.Check, allowed);
    }

    /// <summary>Closes the connections.</summary>
    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        _prepareLock.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Better Auth's decision in a response, or null when the response is not one.</summary>
    internal static bool? Answer(HttpStatusCode status, byte[] body)
    {
        try
        {
            if (status == HttpStatusCode.OK)
            {
                using var json = JsonDocument.Parse(body);
                return json.RootElement.TryGetProperty("success", out var success) && success.ValueKind is JsonValueKind.True or JsonValueKind.False
                    ? success.GetBoolean()
                    : null;
            }

            return status == HttpStatusCode.Unauthorized && ErrorCode(body) == $" {NotAMember}" ? false : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The workload's judgement, except for a user banned now: the oracle's answer with the ban ignored.</summary>
    private RequestResult Judge(CheckCase check, bool allowed)
    {
        var now = DateTime.UtcNow;
        bool acceptable;
        bool expected;
        if (PermissionOracle.IsBannedAt(_model.IsBanned(check.UserIndex), _model.BanExpires(check.UserIndex), now))
        {
            Interlocked.Increment(ref _bannedCases);
            var role = check.OrganizationIndex < _model.OrganizationCount ? _model.MemberRole(check.UserIndex, check.OrganizationIndex) : null;
            expected = _model.Oracle.IsAllowed(banned: false, banExpires: null, role, _model.DynamicRoles(check.OrganizationIndex), check.Permissions, now);
            acceptable = allowed == expected;
        }
        else
        {
            expected = check.Expected;
            acceptable = _workload.IsAcceptable(check, allowed);
        }

        return acceptable
            ? RequestResult.Correct
            : new RequestResult(
                RequestOutcome.Wrong,
                $"{check.UserId} in {check.OrganizationId} {check.PermissionText}: expected {(expected ? "allow" : "deny")}, Better Auth said {(allowed ? "allow" : "deny")}");
    }

    private static string ErrorCode(byte[] body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String
                ? $" {code.GetString()}"
                : "";
        }
        catch (JsonException)
        {
            return "";
        }
    }

    private static byte[] Body(CheckCase check)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("organizationId", check.OrganizationId);
            writer.WriteStartObject("permissions");
            foreach (var (resource, actions) in check.Permissions)
            {
                writer.WriteStartArray(resource);
                foreach (var action in actions)
                {
                    writer.WriteStringValue(action);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private async Task CreateSessionsAsync(string[] userIds, Dictionary<string, string> tokens, HashSet<string> banned, CancellationToken cancellationToken)
    {
        using var content = JsonContent.Create(new Dictionary<string, string[]> { ["userIds"] = userIds });
        using var response = await _client.PostAsync(SessionsPath, content, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /{SessionsPath} answered {(int)response.StatusCode}: {text}");
        }

        using var json = JsonDocument.Parse(text);
        var failed = json.RootElement.GetProperty("failed").EnumerateObject().Select(p => $"{p.Name}: {p.Value.GetString()}").ToList();
        if (failed.Count > 0)
        {
            throw new InvalidOperationException(
                $"Better Auth made no session for {failed.Count} of the workload's users (is the dataset the manifest describes loaded in the server's database and schema?): {string.Join("; ", failed.Take(5))}");
        }

        foreach (var token in json.RootElement.GetProperty("tokens").EnumerateObject())
        {
            tokens[token.Name] = token.Value.GetString()!;
        }

        foreach (var user in json.RootElement.GetProperty("banned").EnumerateArray())
        {
            banned.Add(user.GetString()!);
        }
    }

    private sealed record PreparedCase(CheckCase Check, byte[] Body, string Authorization);
}
