using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Perms.IntegrationTests.Infrastructure;
using Perms.Nats;

namespace Perms.IntegrationTests.Nats;

/// <summary>TLS against a nats-server with a certificate from a test authority made here, PEM files all the way.</summary>
[Trait("Category", "Integration")]
public sealed class NatsTlsTests : IDisposable
{
    private readonly CancellationTokenSource _timeout = NatsTesting.Timeout();
    private readonly string _directory = Directory.CreateTempSubdirectory("perms-nats-tls-").FullName;
    private readonly X509Certificate2 _authority;

    public NatsTlsTests()
    {
        _authority = CreateAuthority("CN=Perms NATS Test CA");
        File.WriteAllText(Path("ca.pem"), _authority.ExportCertificatePem());
        using var server = Issue(_authority, "CN=localhost", serverAuth: true);
        File.WriteAllText(Path("server.pem"), server.ExportCertificatePem());
        File.WriteAllText(Path("server.key"), server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        using var client = Issue(_authority, "CN=perms-tests", serverAuth: false);
        File.WriteAllText(Path("client.pem"), client.ExportCertificatePem());
        File.WriteAllText(Path("client.key"), client.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        using var stranger = CreateAuthority("CN=Some Other CA");
        File.WriteAllText(Path("other-ca.pem"), stranger.ExportCertificatePem());
        File.WriteAllText(Path("tls.conf"), $$"""
            tls {
              cert_file: "{{Path("server.pem")}}"
              key_file: "{{Path("server.key")}}"
              timeout: 5
            }
            """);
        File.WriteAllText(Path("mtls.conf"), $$"""
            tls {
              cert_file: "{{Path("server.pem")}}"
              key_file: "{{Path("server.key")}}"
              ca_file: "{{Path("ca.pem")}}"
              verify: true
              timeout: 5
            }
            """);
    }

    private CancellationToken Token => _timeout.Token;

    public void Dispose()
    {
        _authority.Dispose();
        _timeout.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_TLS_server_signed_by_the_authority_in_TlsCaFile_is_reached()
    {
        await using var server = await NatsServerProcess.StartAsync("-c", Path("tls.conf"));

        await using var connection = await NatsTesting.ConnectAsync(server.Url, Token, o => o.TlsCaFile = Path("ca.pem"));

        Assert.True(connection.ServerInfo?.TlsRequired);
        await RoundTripAsync(connection);
    }

    [Fact]
    public async Task A_tls_address_requires_TLS_too()
    {
        await using var server = await NatsServerProcess.StartAsync("-c", Path("tls.conf"));
        var address = new Uri($"tls://127.0.0.1:{server.Port}");

        await using var connection = await NatsTesting.ConnectAsync(address, Token, o => o.TlsCaFile = Path("ca.pem"));

        await RoundTripAsync(connection);
    }

    [Fact]
    public async Task A_TLS_server_signed_by_another_authority_is_refused_clearly()
    {
        await using var server = await NatsServerProcess.StartAsync("-c", Path("tls.conf"));
        await using var connection = new NatsConnection(NatsTesting.Options(server.Url, o => o.TlsCaFile = Path("other-ca.pem")));

        var error = await Assert.ThrowsAsync<NatsException>(() => connection.ConnectAsync(Token));

        Assert.Contains("TLS", error.Message, StringComparison.Ordinal);
        Assert.Contains("other-ca.pem", error.Message, StringComparison.Ordinal);
        Assert.NotEqual(NatsConnectionState.Connected, connection.State);
    }

    [Fact]
    public async Task Requiring_TLS_from_a_server_without_it_is_refused_clearly()
    {
        await using var server = await NatsServerProcess.StartAsync();
        await using var connection = new NatsConnection(NatsTesting.Options(server.Url, o => o.TlsRequired = true));

        var error = await Assert.ThrowsAsync<NatsException>(() => connection.ConnectAsync(Token));

        Assert.Contains("does not offer TLS", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mutual_TLS_works_with_a_client_certificate_from_PEM_files()
    {
        await using var server = await NatsServerProcess.StartAsync("-c", Path("mtls.conf"));

        await using var connection = await NatsTesting.ConnectAsync(server.Url, Token, o =>
        {
            o.TlsCaFile = Path("ca.pem");
            o.TlsCertFile = Path("client.pem");
            o.TlsKeyFile = Path("client.key");
        });

        Assert.True(connection.ServerInfo?.TlsVerify);
        await RoundTripAsync(connection);
    }

    private static X509Certificate2 CreateAuthority(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static X509Certificate2 Issue(X509Certificate2 authority, string subject, bool serverAuth)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (serverAuth)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        using var issued = request.Create(authority, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), RandomNumberGenerator.GetBytes(8));
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
    }

    private string Path(string name) => System.IO.Path.Combine(_directory, name);

    private async Task RoundTripAsync(NatsConnection connection)
    {
        var received = Channel.CreateUnbounded<NatsMsg>();
        await using var subscription = await connection.SubscribeAsync("tls.check", NatsTesting.Into(received), cancellationToken: Token);
        await connection.PublishAsync("tls.check", "secret"u8.ToArray(), cancellationToken: Token);

        Assert.Equal("secret", await NatsTesting.ReceiveTextAsync(received, Token));
    }
}
