using Npgsql;

namespace Perms.IntegrationTests.Infrastructure;

/// <summary>What the process fixtures create per fixture and remove at the end: a database, its reader role, a folder.</summary>
internal static class ScratchResources
{
    /// <summary>Drops <paramref name="database"/> (closing its sessions) and <paramref name="role"/>, and deletes <paramref name="directory"/>; each when given.</summary>
    public static async Task RemoveAsync(string? database, string? role, string? directory)
    {
        if (database is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = NpgsqlDataSource.Create(TestEnvironment.PostgresConnectionString);
            await admin.CreateCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE); DROP ROLE IF EXISTS {role};").ExecuteNonQueryAsync();
        }

        if (directory is not null && Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
