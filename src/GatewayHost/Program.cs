using Microsoft.Extensions.Options;
using Perms.Gateway;
using Perms.Gateway.Hosting;
using Perms.Gateway.Routing;

// perms-gateway: authenticates callers, validates requests and sends each to the silo owning its user.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddPermsGateway(builder.Configuration);
builder.Services.AddPermsEndpoint(builder.Configuration);
builder.Services.AddClusterRouting(builder.Configuration, isSilo: false);
builder.Services.AddClusterHealth();
builder.WebHost.UsePermsEndpoint();

var app = builder.Build();
if (!StartupValidation.Validate(app.Services, Console.Error, "perms-gateway"))
{
    return 2;
}

try
{
    app.MapPermsGateway();
    await app.RunAsync();
    return 0;
}
catch (OptionsValidationException e)
{
    StartupValidation.Print(e, Console.Error, "perms-gateway");
    return 2;
}
