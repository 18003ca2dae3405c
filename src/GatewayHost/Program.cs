using Perms.Gateway;
using Perms.Gateway.Admin;
using Perms.Gateway.Hosting;
using Perms.Gateway.Hosting.Metrics;
using Perms.Gateway.Routing;

// perms-gateway: authenticates callers, validates requests and sends each to the silo owning its user.
var builder = WebApplication.CreateBuilder(PermsHost.ConfigurationArguments(args));
builder.Services.AddPermsGateway(builder.Configuration);
builder.Services.AddPermsEndpoint(builder.Configuration);
builder.Services.AddClusterRouting(builder.Configuration, isSilo: false);
builder.Services.AddClusterHealth();
builder.Services.AddPermsAdmin(builder.Configuration);
builder.WebHost.UsePermsEndpoint();
builder.Services.AddPermsMetrics(builder.Configuration);
builder.Logging.AddPermsLogging(builder.Configuration);

var app = builder.Build();
return await PermsHost.RunAsync(app, args, "perms-gateway", app =>
{
    app.MapPermsAdmin();
    app.MapPermsGateway();
});
