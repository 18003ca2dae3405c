using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Health.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Perms.Gateway.Health;
using Perms.Grpc;
using Perms.Gateway.Hosting;

namespace Perms.UnitTests.Gateway;

/// <summary>
/// The silo's endpoint over TLS (<see cref="PermsEndpointExtensions.UsePermsEndpoint"/>) with PEM files,
/// with and without required client certificates, against the repository's gRPC client.
/// </summary>
public sealed class SiloEndpointTlsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("perms-tls-").FullName;
    private readonly X509Certificate2 _authority;
    private readonly X509Certificate2 _client;
    private readonly X509Certificate2 _stranger;

    public SiloEndpointTlsTests()
    {
        using var authorityKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var authorityRequest = new CertificateRequest("CN=Perms Test CA", authorityKey, HashAlgorithmName.SHA256);
        authorityRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        authorityRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        _authority = authorityRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        var server = Issue("CN=localhost", serverAuth: true);
        File.WriteAllText(Path.Combine(_directory, "server.pem"), server.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_directory, "server.key"), server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(_directory, "ca.pem"), _authority.ExportCertificatePem());
        _client = Issue("CN=orders-service", serverAuth: false);

        using var strangerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _stranger = new CertificateRequest("CN=stranger", strangerKey, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    public void Dispose()
    {
        _authority.Dispose();
        _client.Dispose();
        _stranger.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_TLS_endpoint_answers_a_client_that_trusts_its_authority()
    {
        await using var app = await StartAsync(ClientCertificateMode.NoCertificate);

        var response = await HealthAsync(app, clientCertificate: null);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task With_required_client_certificates_only_a_certificate_of_the_configured_authority_gets_in()
    {
        await using var app = await StartAsync(ClientCertificateMode.RequireCertificate);

        var admitted = await HealthAsync(app, _client);
        var withoutCertificate = await Assert.ThrowsAnyAsync<Exception>(() => HealthAsync(app, clientCertificate: null));
        var stranger = await Assert.ThrowsAnyAsync<Exception>(() => HealthAsync(app, _stranger));

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, admitted.Status);
        Assert.True(withoutCertificate is GrpcStatusException or HttpRequestException or IOException, withoutCertificate.ToString());
        Assert.True(stranger is GrpcStatusException or HttpRequestException or IOException, stranger.ToString());
    }

    [Fact]
    public async Task A_plaintext_h2c_client_cannot_talk_to_a_TLS_endpoint()
    {
        await using var app = await StartAsync(ClientCertificateMode.NoCertificate);
        var address = new Uri(Address(app).Replace("https://", "http://", StringComparison.Ordinal));
        using var channel = new GrpcChannel(address);

        await Assert.ThrowsAnyAsync<Exception>(() => channel.CallUnaryAsync("/grpc.health.v1.Health/Check", new HealthCheckRequest(), HealthCheckResponse.Parser, new GrpcCallOptions { Timeout = TimeSpan.FromSeconds(5) }, TestContext.Current.CancellationToken));
    }

    private X509Certificate2 Issue(string subject, bool serverAuth)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (serverAuth)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(System.Net.IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        using var issued = request.Create(_authority, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), RandomNumberGenerator.GetBytes(8));
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    private async Task<WebApplication> StartAsync(ClientCertificateMode mode)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddOptions<ServerOptions>().Configure(o =>
        {
            o.Address = "127.0.0.1";
            o.Port = 0;
            o.CertificatePath = Path.Combine(_directory, "server.pem");
            o.KeyPath = Path.Combine(_directory, "server.key");
            o.ClientCertificateMode = mode;
            o.ClientCertificateAuthorityPath = mode == ClientCertificateMode.NoCertificate ? null : Path.Combine(_directory, "ca.pem");
        });
        builder.WebHost.UsePermsEndpoint();
        builder.Services.AddGrpcWire();
        builder.Services.AddSingleton<HealthReporter>();
        builder.Services.AddSingleton<HealthApi>();
        var app = builder.Build();
        app.Services.GetRequiredService<HealthReporter>().SetServing(true);
        var health = app.Services.GetRequiredService<HealthApi>();
        app.MapGrpcUnary<HealthCheckRequest, HealthCheckResponse>(HealthApi.ServiceName, "Check", HealthCheckRequest.Parser, health.CheckAsync);
        await app.StartAsync();
        return app;
    }

    private static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    private async Task<HealthCheckResponse> HealthAsync(WebApplication app, X509Certificate2? clientCertificate)
    {
        var ssl = new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(_authority);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return certificate is X509Certificate2 presented && chain.Build(presented);
            },
            ClientCertificates = clientCertificate is null ? null : new X509CertificateCollection { clientCertificate },
        };
        var address = Address(app).Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        using var channel = new GrpcChannel(new Uri(address), new GrpcChannelOptions { SslOptions = ssl });
        return await channel.CallUnaryAsync("/grpc.health.v1.Health/Check", new HealthCheckRequest(), HealthCheckResponse.Parser, new GrpcCallOptions { Timeout = TimeSpan.FromSeconds(10) }, TestContext.Current.CancellationToken);
    }
}
