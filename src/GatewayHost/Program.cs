using Microsoft.Extensions.Options;
using Perms.Gateway;
using Perms.Gateway.Admin;
using Perms.Gateway.Hosting;
using Perms.Gateway.Hosting.Metrics;
using Perms.Gateway.Routing;

// perms-gateway: authenticates callers, validates requests and sends each to the silo owning its user.
// --print-config: the effective configuration (secrets masked) and its validation, then exit; nothing starts.
var printConfig = args.Contains("--print-config");
var builder = WebApplication.CreateBuilder([.. args.Where(arg => arg != "--print-config")]);
builder.Services.AddPermsGateway(builder.Configuration);
builder.Services.AddPermsEndpoint(builder.Configuration);
builder.Services.AddClusterRouting(builder.Configuration, isSilo: false);
builder.Services.AddClusterHealth();
builder.Services.AddPermsAdmin(builder.Configuration);
builder.WebHost.UsePermsEndpoint();
builder.Services.AddPermsMetrics(builder.Configuration);
builder.Logging.AddPermsLogging(builder.Configuration);

var app = builder.Build();
if (printConfig)
{
    return ConfigurationPrinter.Print(app.Services, app.Configuration, Console.Out, "perms-gateway") ? 0 : 2;
}

if (!StartupValidation.Validate(app.Services, Console.Error, "perms-gateway"))
{
    return 2;
}

try
{
    app.MapPermsAdmin();
    app.MapPermsGateway();
    await app.RunAsync();

    // 0 after a graceful stop (SIGTERM included); 1 when a part of the host stopped it on a failure (e.g. joining).
    return Environment.ExitCode;
}
catch (OperationCanceledException) when (app.Lifetime.ApplicationStopping.IsCancellationRequested)
{
    // SIGTERM while starting (e.g. during the schema check): a clean stop, not a crash.
    return Environment.ExitCode;
}
catch (OptionsValidationException e)
{
    StartupValidation.Print(e, Console.Error, "perms-gateway");
    return 2;
}
