using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Npgsql;
using Perms.Api.V1;
using Perms.Grpc;
using Perms.IntegrationTests.Infrastructure;

namespace Perms.IntegrationTests.Cluster;

/// <summary>
/// Mutual TLS between silos (Perms:Orleans:Tls, Microsoft.Orleans.Connections.Security): two silos with certificates
/// of one authority form a cluster and answer each other's users; a silo whose certificate another authority issued
/// never becomes an active member.
/// </summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class OrleansTlsTests(ClusterProcessFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterProcessFixture>, IDisposable
{
    private const int Active = 3; // Orleans' SiloStatus.Active in the membership table

    private readonly string _directory = Directory.CreateTempSubdirectory("perms-orleans-tls-").FullName;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Silos_with_certificates_of_one_authority_form_a_cluster_and_a_foreign_certificate_is_refused()
    {
        using var authority = CreateAuthority("CN=Perms test silo CA");
        using var foreignAuthority = CreateAuthority("CN=Some other CA");
        var authorityPath = WritePem("ca.pem", authority.ExportCertificatePem());
        var schema = OrleansCluster.NewSchema("perms_tls");
        var migrated = await OrleansCluster.MigrateAsync(fixture.OwnerConnectionString, schema);
        Assert.True(migrated.ExitCode == 0, migrated.StandardError);

        await using var silo0 = await SiloProcess.StartAsync(Environment(schema, Issue(authority, "silo-0"), authorityPath, FreePort()));
        await using var silo1 = await SiloProcess.StartAsync(Environment(schema, Issue(authority, "silo-1"), authorityPath, FreePort()));

        // Every user answered through silo 0; with placement by hash about half the grains live on silo 1, so those
        // answers crossed the TLS connection between the silos.
        using (var channel = new GrpcChannel(silo0.HttpAddress))
        {
            for (var i = 0; i < ClusterProcessFixture.UserCount; i++)
            {
                var response = await channel.CallUnaryAsync(
                    "/perms.v1.PermissionService/CheckPermission",
                    ClusterProcessFixture.Check(i),
                    CheckPermissionResponse.Parser,
                    new GrpcCallOptions { Headers = [fixture.CallerAuthorization], Timeout = TimeSpan.FromSeconds(10) },
                    Token);
                Assert.Null(ClusterProcessFixture.Verify(i, response));
            }
        }

        using var http = new HttpClient();
        var onSilo1 = OrleansCluster.UserActivations(await http.GetStringAsync(silo1.MetricsAddress, Token));
        Assert.InRange(onSilo1, 1, ClusterProcessFixture.UserCount - 1);

        // A silo with a certificate of another authority: the others refuse its connections, so it never joins.
        var foreignPort = FreePort();
        var foreign = SiloProcess.StartAsync(Environment(schema, Issue(foreignAuthority, "intruder"), authorityPath, foreignPort));
        await Task.WhenAny(foreign, Task.Delay(TimeSpan.FromSeconds(15), Token));
        var statuses = await StatusesAsync(schema);
        output.WriteLine($"membership after the foreign silo tried to join: {string.Join(", ", statuses.Select(s => $"{s.Port}={s.Status}"))}; silo 1 held {onSilo1} of {ClusterProcessFixture.UserCount} user grains");
        Assert.Equal(2, statuses.Count(s => s.Status == Active));
        Assert.DoesNotContain(statuses, s => s.Port == foreignPort && s.Status == Active);
        if (foreign.IsCompletedSuccessfully)
        {
            await (await foreign).DisposeAsync();
        }
        else
        {
            _ = foreign.ContinueWith(t => t.Result.DisposeAsync().AsTask(), TaskScheduler.Default);
        }
    }

    private Dictionary<string, string> Environment(string schema, X509Certificate2 certificate, string authorityPath, int siloPort)
    {
        var name = certificate.GetNameInfo(X509NameType.SimpleName, false);
        var environment = OrleansCluster.Join(
            new Dictionary<string, string>
            {
                ["Perms__Auth__TokensPath"] = fixture.TokensPath,
                ["Perms__Database__ConnectionString"] = fixture.ReaderConnectionString,
                ["Perms__Database__Schema"] = ClusterProcessFixture.Schema,
                ["Perms__Policy__Path"] = ClusterProcessFixture.PolicyPath,
                ["Perms__Events__Enabled"] = "false",
                ["Perms__Orleans__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
                ["Perms__Orleans__Tls__CertificatePath"] = WritePem($"{name}.pem", certificate.ExportCertificatePem()),
                ["Perms__Orleans__Tls__KeyPath"] = WritePem($"{name}.key", certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem()),
                ["Perms__Orleans__Tls__CertificateAuthorityPath"] = authorityPath,
            },
            fixture.OwnerConnectionString,
            schema);
        return environment;
    }

    private async Task<List<(int Port, int Status)>> StatusesAsync(string schema)
    {
        await using var data = NpgsqlDataSource.Create(fixture.OwnerConnectionString);
        await using var command = data.CreateCommand($"SELECT port, status FROM {schema}.orleans_membership WHERE deployment_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = schema });
        await using var reader = await command.ExecuteReaderAsync(Token);
        var rows = new List<(int, int)>();
        while (await reader.ReadAsync(Token))
        {
            rows.Add((reader.GetInt32(0), reader.GetInt32(1)));
        }

        return rows;
    }

    private string WritePem(string name, string pem)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, pem);
        return path;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static X509Certificate2 CreateAuthority(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    // A silo is a TLS server and client at once: both extended key usages.
    private static X509Certificate2 Issue(X509Certificate2 authority, string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var issued = request.Create(authority, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), RandomNumberGenerator.GetBytes(8));
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
    }
}
