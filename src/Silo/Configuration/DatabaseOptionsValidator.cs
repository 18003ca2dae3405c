using Perms.Grains.Interfaces.Data;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Perms.Silo.Configuration;

/// <summary>Validates <see cref="DatabaseOptions"/>, reporting every problem with its key and how to fix it.</summary>
internal sealed class DatabaseOptionsValidator : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            errors.Add($"{DatabaseOptions.SectionName}:ConnectionString is not set. Set it (environment variable Perms__Database__ConnectionString) to an Npgsql connection string of a SELECT-only role, e.g. Host=db;Database=app;Username=perms_reader;Password=...");
        }
        else
        {
            try
            {
                _ = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            }
            catch (ArgumentException e)
            {
                // The message never echoes the string: it may hold a password.
                errors.Add($"{DatabaseOptions.SectionName}:ConnectionString is not a valid Npgsql connection string: {e.Message}");
            }
        }

        if (options.StatementTimeout < TimeSpan.FromMilliseconds(1) || options.StatementTimeout > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{DatabaseOptions.SectionName}:StatementTimeout is {options.StatementTimeout}; give a value between 00:00:00.001 and 00:05:00");
        }

        TableLayout.Create(options.Layout, options.Schema, options.Tables, options.Columns, DatabaseOptions.SectionName, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
