using Microsoft.Extensions.Options;
using Perms.Gateway;
using Perms.Gateway.Admin;
using Perms.Gateway.Hosting;
using Perms.Gateway.Hosting.Metrics;
using Perms.Gateway.Routing;
using Perms.Grains.Permissions;
using Perms.Silo.Cluster;
using Perms.Silo.Commands;
using Perms.Silo.Configuration;
using Perms.Silo.Events;

switch (args)
{
    case ["policy", .. var policyArgs]:
        return PolicyCommand.Run(policyArgs, Console.Out, Console.Error);
    case ["schema", "check", .. var schemaArgs]:
        return await SchemaCommand.RunAsync(schemaArgs, Console.Out, Console.Error);
    case ["admin", .. var adminArgs]:
        return await AdminCommand.RunAsync(adminArgs, Console.Out, Console.Error, Environment.GetEnvironmentVariable("PERMS_ADMIN_TOKEN"));
    case ["schema", ..]:
        Console.Error.WriteLine("usage: perms schema check [--Perms:Database:ConnectionString=...] [--Perms:Database:Layout=...]");
        return 2;
}

// --print-config: the effective configuration (secrets masked) and its validation, then exit; nothing starts.
var printConfig = args.Contains("--print-config");
var builder = WebApplication.CreateBuilder([.. args.Where(arg => arg != "--print-config")]);
builder.Services.AddPermsPolicy(builder.Configuration);
builder.Services.AddBetterAuthDatabase(builder.Configuration);
builder.Services.AddGrainRuntime(builder.Configuration);
builder.Services.AddChangeEvents(builder.Configuration);
builder.Services.AddPermsGateway(builder.Configuration);
builder.Services.AddSiloServer(builder.Configuration);
builder.Services.AddClusterRouting(builder.Configuration, isSilo: true);
builder.Services.AddHostedService<ClusterRebalancer>();
builder.Services.AddSiloAdministration(builder.Configuration);
builder.WebHost.UsePermsEndpoint();
builder.Services.AddPermsMetrics(builder.Configuration);
builder.Logging.AddPermsLogging(builder.Configuration);

var app = builder.Build();
if (printConfig)
{
    return ConfigurationPrinter.Print(app.Services, app.Configuration, Console.Out, "perms") ? 0 : 2;
}

if (!StartupValidation.Validate(app.Services, Console.Error, "perms"))
{
    return 2;
}

try
{
    // Compile the policy before anything starts: an invalid policy stops the process here, with every problem listed.
    app.Services.GetRequiredService<CompiledPolicy>();
    app.MapSiloService();
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
    // Configuration mistakes are the operator's to fix: say what and where, not a stack trace.
    StartupValidation.Print(e, Console.Error, "perms");
    return 2;
}
catch (InvalidOperationException e) when (e.Message.StartsWith("The Better Auth schema check", StringComparison.Ordinal) || e.Message.StartsWith("The schema check", StringComparison.Ordinal))
{
    Console.Error.WriteLine("perms: " + e.Message);
    return 1;
}
