using Perms.Grains.Permissions;
using Perms.Silo.Commands;
using Perms.Silo.Configuration;

if (args is ["policy", .. var rest])
{
    return PolicyCommand.Run(rest, Console.Out, Console.Error);
}

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddPermsPolicy(builder.Configuration);

using var host = builder.Build();

// Compile the policy before anything starts: an invalid policy stops the process here, with every problem listed.
host.Services.GetRequiredService<CompiledPolicy>();
await host.RunAsync();
return 0;
