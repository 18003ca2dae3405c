using Perms.Grains.Interfaces.Data;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using Perms.Grains.Data;
using Perms.Gateway.Hosting;

namespace Perms.Silo.Configuration;

/// <summary>Registers the reader of Better Auth's tables.</summary>
public static class DatabaseServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates <see cref="DatabaseOptions"/> at start-up, and registers the <see cref="TableLayout"/>, the
    /// read-only <see cref="NpgsqlDataSource"/>, <see cref="IBetterAuthReader"/>, <see cref="SchemaInspector"/> and the
    /// start-up schema check. Idempotent.
    /// </summary>
    public static IServiceCollection AddBetterAuthDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<DatabaseOptions>().BindPrintable(configuration, DatabaseOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DatabaseOptions>, DatabaseOptionsValidator>());
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            var errors = new List<string>();
            return TableLayout.Create(options.Layout, options.Schema, options.Tables, options.Columns, DatabaseOptions.SectionName, errors)
                ?? throw new OptionsValidationException(DatabaseOptions.SectionName, typeof(DatabaseOptions), errors);
        });
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            return BetterAuthDataSource.Create(options.ConnectionString!, options.StatementTimeout);
        });
        services.TryAddSingleton<IBetterAuthReader>(sp => new PostgresBetterAuthReader(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TableLayout>()));
        services.TryAddSingleton(sp => new SchemaInspector(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TableLayout>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SchemaCheckHostedService>());
        return services;
    }
}
