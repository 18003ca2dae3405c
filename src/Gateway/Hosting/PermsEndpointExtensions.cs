using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Perms.Gateway.Hosting;

/// <summary>The gRPC endpoint of a silo or a gateway process (configuration section <c>Perms:Server</c>).</summary>
public static class PermsEndpointExtensions
{
    /// <summary>Binds and validates <see cref="ServerOptions"/>; its drain time becomes the host's shutdown timeout. Idempotent.</summary>
    public static IServiceCollection AddPermsEndpoint(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ServerOptions>().BindPrintable(configuration, ServerOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ServerOptions>, ServerOptionsValidator>());

        // The host's shutdown timeout bounds every hosted service's stop: Kestrel's drain of calls in flight first (it
        // stops first), then the NATS drain.
        services.AddOptions<HostOptions>().Configure<IOptions<ServerOptions>>((host, server) =>
        {
            if (server.ValueOrNull() is { } valid)
            {
                host.ShutdownTimeout = valid.DrainTimeout;
            }
        });
        return services;
    }

    /// <summary>Listens where <see cref="ServerOptions"/> says: HTTP/2 only, h2c or TLS with optional client certificates.</summary>
    public static IWebHostBuilder UsePermsEndpoint(this IWebHostBuilder webHost)
    {
        ArgumentNullException.ThrowIfNull(webHost);
        return webHost.ConfigureKestrel((context, kestrel) =>
        {
            // Invalid options: nothing to listen on; the start-up validation reports them and stops the process.
            if (kestrel.ApplicationServices.GetRequiredService<IOptions<ServerOptions>>().ValueOrNull() is not { } options)
            {
                return;
            }

            kestrel.Listen(IPAddress.Parse(options.Address), options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (options.CertificatePath is not null)
                {
                    listen.UseHttps(https => ConfigureTls(https, options));
                }
            });
        });
    }

    private static void ConfigureTls(HttpsConnectionAdapterOptions https, ServerOptions options)
    {
        // A PEM key loads as an ephemeral key, which SslStream on Linux cannot use; a PKCS#12 round trip makes it usable.
        using var pem = X509Certificate2.CreateFromPemFile(options.CertificatePath!, options.KeyPath);
        https.ServerCertificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        https.ClientCertificateMode = options.ClientCertificateMode;
        if (options.ClientCertificateAuthorityPath is { } caPath)
        {
            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPemFile(caPath);
            https.ClientCertificateValidation = (certificate, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate);
            };
        }
    }
}
