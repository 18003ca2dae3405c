using Microsoft.Extensions.Options;
using Perms.Gateway;
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
    case ["schema", ..]:
        Console.Error.WriteLine("usage: perms schema check [--Perms:Database:ConnectionString=...] [--Perms:Database:Layout=...]");
        return 2;
}

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddPermsPolicy(builder.Configuration);
builder.Services.AddBetterAuthDatabase(builder.Configuration);
builder.Services.AddGrainRuntime(builder.Configuration);
builder.Services.AddChangeEvents(builder.Configuration);
builder.Services.AddPermsGateway(builder.Configuration);
builder.Services.AddSiloServer(builder.Configuration);
builder.WebHost.UseSiloEndpoint();

var app = builder.Build();
try
{
    // Compile the policy before anything starts: an invalid policy stops the process here, with every problem listed.
    app.Services.GetRequiredService<CompiledPolicy>();
    app.MapPermsGateway();
    await app.RunAsync();
    return 0;
}
catch (OptionsValidationException e)
{
    // Configuration mistakes are the operator's to fix: say what and where, not a stack trace.
    Console.Error.WriteLine("perms: the configuration is invalid:");
    foreach (var failure in e.Failures)
    {
        Console.Error.WriteLine("  " + failure);
    }

    return 2;
}
catch (InvalidOperationException e) when (e.Message.StartsWith("The Better Auth schema check", StringComparison.Ordinal) || e.Message.StartsWith("The schema check", StringComparison.Ordinal))
{
    Console.Error.WriteLine("perms: " + e.Message);
    return 1;
}
