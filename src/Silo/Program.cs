using Perms.Gateway;
using Perms.Gateway.Admin;
using Perms.Gateway.Hosting;
using Perms.Gateway.Hosting.Metrics;
using Perms.Grains.Permissions;
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
    case ["cluster", .. var clusterArgs]:
        return await ClusterCommand.RunAsync(clusterArgs, Console.Out, Console.Error);
    case ["schema", ..]:
        Console.Error.WriteLine("usage: perms schema check [--Perms:Database:ConnectionString=...] [--Perms:Database:Layout=...]");
        return 2;
}

var builder = WebApplication.CreateBuilder(PermsHost.ConfigurationArguments(args));
builder.Services.AddPermsPolicy(builder.Configuration);
builder.Services.AddBetterAuthDatabase(builder.Configuration);
builder.Services.AddPermsGrains(builder.Configuration);
builder.UsePermsOrleans();
builder.Services.AddChangeEvents(builder.Configuration);
builder.Services.AddPermsGateway(builder.Configuration);
builder.Services.AddSiloServer(builder.Configuration);
builder.Services.AddSiloAdministration(builder.Configuration);
builder.WebHost.UsePermsEndpoint();
builder.Services.AddPermsMetrics(builder.Configuration);
builder.Logging.AddPermsLogging(builder.Configuration);

var app = builder.Build();
try
{
    return await PermsHost.RunAsync(app, args, "perms", app =>
    {
        // Compile the policy before anything starts: an invalid policy stops the process here, with every problem listed.
        app.Services.GetRequiredService<CompiledPolicy>();
        app.MapPermsAdmin();
        app.MapPermsGateway();
    }, OrleansHostingExtensions.Ports);
}
catch (InvalidOperationException e) when (e.Message.StartsWith("The Better Auth schema check", StringComparison.Ordinal) || e.Message.StartsWith("The schema check", StringComparison.Ordinal))
{
    Console.Error.WriteLine("perms: " + e.Message);
    return 1;
}
