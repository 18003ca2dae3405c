using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Perms.Grains.Data;
using Perms.Grains.Interfaces.Checks;
using Perms.Grains.Permissions;
using Perms.Silo.Configuration;

namespace Perms.Benchmarks;

/// <summary>
/// A real Orleans silo in this process (localhost clustering on a free port) hosting Perms' grains over the given
/// reader and policy: what the silo process runs, without PostgreSQL or the gRPC endpoint.
/// </summary>
internal sealed class InProcessSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private InProcessSilo(IHost host) => _host = host;

    /// <summary>The checker over the grains (what the gateway calls).</summary>
    public IPermissionChecker Checker => _host.Services.GetRequiredService<IPermissionChecker>();

    /// <summary>The silo's services.</summary>
    public IServiceProvider Services => _host.Services;

    public static async Task<InProcessSilo> StartAsync(IBetterAuthReader reader, CompiledPolicy policy, IDictionary<string, string?>? settings = null)
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Perms:Orleans:SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Perms:Grains:User:MaxStaleness"] = "1.00:00:00",
            ["Perms:Grains:Organization:MaxStaleness"] = "1.00:00:00",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Services.AddSingleton(reader);
        builder.Services.AddSingleton(policy);
        builder.Services.AddPermsGrains(builder.Configuration);
        builder.UsePermsOrleans();
        var app = builder.Build();
        await app.StartAsync().ConfigureAwait(false);
        return new InProcessSilo(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync().ConfigureAwait(false);
        _host.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
