using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using Perms.Api.Admin.V1;
using Perms.Api.V1;
using Perms.IntegrationTests.Api;
using Perms.IntegrationTests.Cluster;
using Perms.IntegrationTests.Infrastructure;
using Perms.Grpc;

namespace Perms.IntegrationTests.Operations;

/// <summary>
/// Issue #9, admin operations, against real silo processes over the cluster tests' data (300 users in org-0): checks
/// activate user grains, the admin API lists them, a deactivated user is loaded again by its next check, a flush empties
/// the silo, the policy hash is the SHA-256 of the policy file, tokens are checked (none, a caller's, the API off), and
/// the <c>perms admin</c> CLI run as a process — against one silo and, with <c>--all-silos</c>, a two-silo cluster.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AdminTests : IClassFixture<ClusterProcessFixture>, IDisposable
{
    private const string Admin = "/perms.admin.v1.AdminService/";
    private const string CheckPath = "/perms.v1.PermissionService/CheckPermission";

    private readonly ClusterProcessFixture _fixture;
    private readonly string _directory = Directory.CreateTempSubdirectory("perms-admin-tests-").FullName;
    private readonly string _adminToken = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public AdminTests(ClusterProcessFixture fixture)
    {
        _fixture = fixture;
        AdminTokensPath = Path.Combine(_directory, "admin-tokens");
        File.WriteAllText(AdminTokensPath, $"# operators\nops {_adminToken}\n");
        AdminTokenFile = Path.Combine(_directory, "admin-token");
        File.WriteAllText(AdminTokenFile, _adminToken + "\n");
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string AdminTokensPath { get; }

    private string AdminTokenFile { get; }

    private GrpcCallOptions AdminCall => new() { Headers = [new("authorization", $"Bearer {_adminToken}")], Timeout = TimeSpan.FromSeconds(10) };

    private GrpcCallOptions CallerCall => new() { Headers = [_fixture.CallerAuthorization], Timeout = TimeSpan.FromSeconds(10) };

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private Dictionary<string, string> SiloEnvironment(bool admin = true)
    {
        var environment = new Dictionary<string, string>
        {
            ["Perms__Auth__TokensPath"] = _fixture.TokensPath,
            ["Perms__Database__ConnectionString"] = _fixture.ReaderConnectionString,
            ["Perms__Database__Schema"] = ClusterProcessFixture.Schema,
            ["Perms__Policy__Path"] = ClusterProcessFixture.PolicyPath,
            ["Perms__Events__Enabled"] = "false",
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__Microsoft"] = "Warning",
        };
        if (admin)
        {
            environment["Perms__Admin__TokensPath"] = AdminTokensPath;
        }

        return environment;
    }

    private static async Task CheckAsync(GrpcChannel channel, GrpcCallOptions options, int i)
    {
        var response = await channel.CallUnaryAsync(CheckPath, ClusterProcessFixture.Check(i), CheckPermissionResponse.Parser, options, Token);
        Assert.Null(ClusterProcessFixture.Verify(i, response));
    }

    private Task<TResponse> AdminAsync<TRequest, TResponse>(GrpcChannel channel, string method, TRequest request, Google.Protobuf.MessageParser<TResponse> parser, GrpcCallOptions? options = null)
        where TRequest : Google.Protobuf.IMessage<TRequest>
        where TResponse : Google.Protobuf.IMessage<TResponse> =>
        channel.CallUnaryAsync(Admin + method, request, parser, options ?? AdminCall, Token);

    private async Task<GrainTypeActivations> UsersAsync(GrpcChannel channel, int sample = 1000) =>
        (await AdminAsync(channel, "ListActivations", new ListActivationsRequest { SampleSize = sample }, ListActivationsResponse.Parser)).GrainTypes.Single(t => t.GrainType == "user");

    private static Task<ChildProcessResult> CliAsync(params string[] args) =>
        CliAsync(null, args);

    private static Task<ChildProcessResult> CliAsync(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Release";
        var dll = Path.Combine(TestEnvironment.RepositoryRoot, "src", "Silo", "bin", configuration, "net10.0", "Perms.Silo.dll");
        var variables = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>()) { ["DOTNET_NOLOGO"] = "1" };
        if (!variables.ContainsKey("PERMS_ADMIN_TOKEN"))
        {
            variables["PERMS_ADMIN_TOKEN"] = null;
        }

        return ChildProcess.RunAsync("dotnet", [dll, "admin", .. args], TestEnvironment.RepositoryRoot, variables, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Checks_activate_users_that_the_admin_api_lists_deactivates_and_flushes()
    {
        await using var silo = await SiloProcess.StartAsync(SiloEnvironment());
        using var channel = new GrpcChannel(silo.HttpAddress);
        Assert.Equal(0, (await UsersAsync(channel)).Count);

        for (var i = 0; i < 10; i++)
        {
            await CheckAsync(channel, CallerCall, i);
        }

        var users = await UsersAsync(channel);
        Assert.Equal(10, users.Count);
        Assert.True(users.EstimatedBytes > 0);
        Assert.Equal(Enumerable.Range(0, 10).Select(ClusterProcessFixture.UserId), users.SampleKeys.Order(StringComparer.Ordinal));
        Assert.Equal(3, (await UsersAsync(channel, sample: 3)).SampleKeys.Count);
        Assert.Equal(10, (await UsersAsync(channel, sample: 0)).SampleKeys.Count);

        // Deactivate one user: it leaves the listing, and its next check loads it again.
        var deactivated = await AdminAsync(channel, "DeactivateUser", new DeactivateUserRequest { UserId = ClusterProcessFixture.UserId(4) }, DeactivateUserResponse.Parser);
        Assert.True(deactivated.Deactivated);
        users = await UsersAsync(channel);
        Assert.Equal(9, users.Count);
        Assert.DoesNotContain(ClusterProcessFixture.UserId(4), users.SampleKeys);
        Assert.False((await AdminAsync(channel, "DeactivateUser", new DeactivateUserRequest { UserId = ClusterProcessFixture.UserId(4) }, DeactivateUserResponse.Parser)).Deactivated);
        await CheckAsync(channel, CallerCall, 4);
        Assert.Contains(ClusterProcessFixture.UserId(4), (await UsersAsync(channel)).SampleKeys);

        // The organization: its members' grains go (the default policy has no dynamic roles: no organization grain).
        var organization = await AdminAsync(channel, "DeactivateOrganization", new DeactivateOrganizationRequest { OrganizationId = ClusterProcessFixture.OrganizationId }, DeactivateOrganizationResponse.Parser);
        Assert.False(organization.OrganizationDeactivated);
        Assert.Equal(10, organization.UsersDeactivated);
        Assert.Equal(0, (await UsersAsync(channel)).Count);

        // Flush: everything goes; checks still answer right afterwards.
        for (var i = 20; i < 25; i++)
        {
            await CheckAsync(channel, CallerCall, i);
        }

        var flush = await AdminAsync(channel, "FlushAll", new FlushAllRequest(), FlushAllResponse.Parser);
        Assert.Equal(5, flush.UsersDeactivated);
        Assert.Equal(0, (await UsersAsync(channel)).Count);
        await CheckAsync(channel, CallerCall, 21);
        Assert.Equal(1, (await UsersAsync(channel)).Count);
    }

    [Fact]
    public async Task Bad_ids_and_sample_sizes_are_invalid_arguments_naming_the_field()
    {
        await using var silo = await SiloProcess.StartAsync(SiloEnvironment());
        using var channel = new GrpcChannel(silo.HttpAddress);

        var sample = await Assert.ThrowsAsync<GrpcStatusException>(() => AdminAsync(channel, "ListActivations", new ListActivationsRequest { SampleSize = 1001 }, ListActivationsResponse.Parser));
        var user = await Assert.ThrowsAsync<GrpcStatusException>(() => AdminAsync(channel, "DeactivateUser", new DeactivateUserRequest(), DeactivateUserResponse.Parser));
        var organization = await Assert.ThrowsAsync<GrpcStatusException>(() => AdminAsync(channel, "DeactivateOrganization", new DeactivateOrganizationRequest { OrganizationId = new string('x', 256) }, DeactivateOrganizationResponse.Parser));

        Assert.Equal((GrpcStatusCode.InvalidArgument, "sample_size is 1001; give 0 (for 20) to 1000"), (sample.Code, sample.Detail));
        Assert.Equal((GrpcStatusCode.InvalidArgument, "user_id is empty"), (user.Code, user.Detail));
        Assert.Equal((GrpcStatusCode.InvalidArgument, "organization_id is longer than 255 bytes"), (organization.Code, organization.Detail));
    }

    [Fact]
    public async Task The_policy_is_reported_with_the_sha256_of_its_file()
    {
        await using var silo = await SiloProcess.StartAsync(SiloEnvironment());
        using var channel = new GrpcChannel(silo.HttpAddress);
        var bytes = await File.ReadAllBytesAsync(ClusterProcessFixture.PolicyPath, Token);

        var policy = await AdminAsync(channel, "GetPolicy", new GetPolicyRequest { IncludeText = true }, GetPolicyResponse.Parser);

        Assert.Equal("file", policy.Source);
        Assert.Equal(ClusterProcessFixture.PolicyPath, policy.Path);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), policy.Sha256);
        Assert.Equal(System.Text.Encoding.UTF8.GetString(bytes), policy.Text);
        Assert.Equal(["admin", "owner", "member"], policy.OrganizationRoles);
        Assert.InRange(policy.LoadedAt.ToDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        var view = await AdminAsync(channel, "GetClusterView", new GetClusterViewRequest(), GetClusterViewResponse.Parser);
        Assert.False(view.Clustered);
        Assert.Equal(("silo", "localhost"), (view.Role, view.Provider));
        Assert.StartsWith("127.0.0.1:", view.Self, StringComparison.Ordinal); // the silo's Orleans address
        Assert.Equal(view.Self, Assert.Single(view.Silos, s => s.Self).Address);
    }

    [Fact]
    public async Task Admin_calls_need_an_admin_token_and_are_refused_while_the_api_is_off()
    {
        await using var silo = await SiloProcess.StartAsync(SiloEnvironment());
        await using var off = await SiloProcess.StartAsync(SiloEnvironment(admin: false));
        using var channel = new GrpcChannel(silo.HttpAddress);
        using var offChannel = new GrpcChannel(off.HttpAddress);

        var none = await Assert.ThrowsAsync<GrpcStatusException>(() => AdminAsync(channel, "FlushAll", new FlushAllRequest(), FlushAllResponse.Parser, new GrpcCallOptions()));
        var caller = await Assert.ThrowsAsync<GrpcStatusException>(() => AdminAsync(channel, "FlushAll", new FlushAllRequest(), FlushAllResponse.Parser, CallerCall));
        var disabled = await Assert.ThrowsAsync<GrpcStatusException>(() => AdminAsync(offChannel, "FlushAll", new FlushAllRequest(), FlushAllResponse.Parser));
        var adminAsCaller = await Assert.ThrowsAsync<GrpcStatusException>(() => CheckAsync(channel, AdminCall, 0));

        Assert.Equal(GrpcStatusCode.Unauthenticated, none.Code);
        Assert.Equal(GrpcStatusCode.Unauthenticated, caller.Code);
        Assert.Equal(GrpcStatusCode.PermissionDenied, disabled.Code);
        Assert.Contains("Perms:Admin:TokensPath", disabled.Detail, StringComparison.Ordinal);
        Assert.Equal(GrpcStatusCode.Unauthenticated, adminAsCaller.Code);
    }

    [Fact]
    public async Task A_silo_refuses_to_start_with_a_caller_token_among_its_admin_tokens()
    {
        var shared = Path.Combine(_directory, "shared-tokens");
        await File.WriteAllTextAsync(shared, $"ops {_adminToken}\nalso {await File.ReadAllTextAsync(Path.Combine(_fixture.TokensPath, ClusterProcessFixture.CallerName), Token)}\n", Token);
        var environment = SiloEnvironment();
        environment["Perms__Admin__TokensPath"] = shared;

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => SiloProcess.StartAsync(environment));

        Assert.Contains("Perms:Admin:TokensPath", e.Message, StringComparison.Ordinal);
        Assert.Contains("also a caller token in Perms:Auth:TokensPath", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_cli_lists_flushes_and_shows_the_policy_with_exit_codes_for_scripts()
    {
        await using var silo = await SiloProcess.StartAsync(SiloEnvironment());
        using var channel = new GrpcChannel(silo.HttpAddress);
        for (var i = 0; i < 4; i++)
        {
            await CheckAsync(channel, CallerCall, i);
        }

        var json = await CliAsync("activations", "--address", silo.Address, "--token-file", AdminTokenFile, "--json");
        Assert.True(json.ExitCode == 0, json.StandardError);
        using (var document = JsonDocument.Parse(json.StandardOutput))
        {
            var user = document.RootElement.GetProperty("grainTypes").EnumerateArray().Single(t => t.GetProperty("grainType").GetString() == "user");
            Assert.Equal("4", user.GetProperty("count").GetString());
            Assert.Equal(4, user.GetProperty("sampleKeys").GetArrayLength());
        }

        var human = await CliAsync(new Dictionary<string, string?> { ["PERMS_ADMIN_TOKEN"] = _adminToken }, "activations", "--address", silo.Address);
        Assert.True(human.ExitCode == 0, human.StandardError);
        Assert.Contains("user: 4 activations", human.StandardOutput, StringComparison.Ordinal);

        var deactivate = await CliAsync("deactivate-user", ClusterProcessFixture.UserId(1), "--address", silo.Address, "--token-file", AdminTokenFile);
        Assert.True(deactivate.ExitCode == 0, deactivate.StandardError);
        Assert.Equal($"user {ClusterProcessFixture.UserId(1)}: deactivated", deactivate.StandardOutput.Trim());

        var flush = await CliAsync("flush", "--address", silo.Address, "--token-file", AdminTokenFile);
        Assert.True(flush.ExitCode == 0, flush.StandardError);
        Assert.Equal("flushed: 3 user and 0 organization grains deactivated", flush.StandardOutput.Trim());
        Assert.Equal(0, (await UsersAsync(channel)).Count);

        var policy = await CliAsync("policy", "--address", silo.Address, "--token-file", AdminTokenFile);
        Assert.True(policy.ExitCode == 0, policy.StandardError);
        Assert.Contains($"sha256: {Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(ClusterProcessFixture.PolicyPath, Token)))}", policy.StandardOutput, StringComparison.Ordinal);

        var wrong = Path.Combine(_directory, "wrong-token");
        await File.WriteAllTextAsync(wrong, "not-the-admin-token-0123456789abcdef", Token);
        var refused = await CliAsync("flush", "--address", silo.Address, "--token-file", wrong);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("UNAUTHENTICATED", refused.StandardError, StringComparison.Ordinal);

        var unreachable = await CliAsync("cluster", "--address", "127.0.0.1:1", "--token-file", AdminTokenFile, "--json");
        Assert.Equal(1, unreachable.ExitCode);
        Assert.Contains("UNAVAILABLE", unreachable.StandardError, StringComparison.Ordinal);
        using (var error = JsonDocument.Parse(unreachable.StandardOutput))
        {
            Assert.Equal("UNAVAILABLE", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        }

        var usage = await CliAsync("deactivate-user", "--address", silo.Address);
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("usage: perms admin", usage.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_flush_through_one_silo_drops_the_grains_of_every_silo_of_the_orleans_cluster()
    {
        var schema = OrleansCluster.NewSchema("perms_admin");
        var migrated = await OrleansCluster.MigrateAsync(_fixture.OwnerConnectionString, schema);
        Assert.True(migrated.ExitCode == 0, migrated.StandardError);
        await using var silo0 = await SiloProcess.StartAsync(OrleansCluster.Join(SiloEnvironment(), _fixture.OwnerConnectionString, schema));
        await using var silo1 = await SiloProcess.StartAsync(OrleansCluster.Join(SiloEnvironment(), _fixture.OwnerConnectionString, schema));
        using var channel0 = new GrpcChannel(silo0.HttpAddress);
        using var channel1 = new GrpcChannel(silo1.HttpAddress);

        // Both silos in the membership, as each sees it (by the admin API itself).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await AdminAsync(channel0, "GetClusterView", new GetClusterViewRequest(), GetClusterViewResponse.Parser)).Silos.Count(s => !s.Suspected) < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "silo 0 does not see two active silos");
            await Task.Delay(200, Token);
        }

        var view = await AdminAsync(channel1, "GetClusterView", new GetClusterViewRequest(), GetClusterViewResponse.Parser);
        Assert.Equal(("silo", true, "postgres"), (view.Role, view.Clustered, view.Provider));
        Assert.Single(view.Silos, s => s.Self);

        // Checks through both silos; the listing through either counts the grains of the whole cluster.
        for (var i = 0; i < 30; i++)
        {
            await CheckAsync(i % 2 == 0 ? channel0 : channel1, CallerCall, i);
        }

        Assert.Equal(30, (await UsersAsync(channel0)).Count);
        Assert.Equal(30, (await UsersAsync(channel1)).Count);

        var flush = await CliAsync("flush", "--address", silo1.Address, "--token-file", AdminTokenFile);
        Assert.True(flush.ExitCode == 0, flush.StandardError);
        Assert.Equal("flushed: 30 user and 0 organization grains deactivated", flush.StandardOutput.Trim());
        Assert.Equal(0, (await UsersAsync(channel0)).Count);

        var oldScript = await CliAsync("activations", "--all-silos", "--address", silo0.Address, "--token-file", AdminTokenFile);
        Assert.True(oldScript.ExitCode == 0, oldScript.StandardError);
        Assert.Contains("--all-silos is no longer needed", oldScript.StandardError, StringComparison.Ordinal);

        var clusterView = await CliAsync("cluster", "--address", silo1.Address, "--token-file", AdminTokenFile);
        Assert.True(clusterView.ExitCode == 0, clusterView.StandardError);
        Assert.Contains("(self)", clusterView.StandardOutput, StringComparison.Ordinal);
    }
}
