namespace Perms.IntegrationTests.Infrastructure;

/// <summary>
/// The real servers the integration tests use, as scripts/test hands them over. A missing one fails the test with
/// instructions; it never skips silently.
/// </summary>
internal static class TestEnvironment
{
    private const string Instructions =
        "Run the integration tests through scripts/test: it installs PostgreSQL 15, nats-server and the npm packages, " +
        "starts private servers on free loopback ports and sets the PERMS_TEST_* variables " +
        "(or `scripts/test --keep` once, then source the env file it prints, to run tests from an IDE).";

    /// <summary>Npgsql connection string of a PostgreSQL superuser.</summary>
    public static string PostgresConnectionString => Require("PERMS_TEST_POSTGRES");

    /// <summary>nats://host:port of a running nats-server.</summary>
    public static Uri NatsUrl => new(Require("PERMS_TEST_NATS_URL"));

    /// <summary>The nats-server binary, for tests that start and kill their own server.</summary>
    public static string NatsServerPath => Require("PERMS_TEST_NATS_SERVER");

    /// <summary>The repository root (the folder holding Perms.sln).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static string Require(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set. {Instructions}");

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Perms.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Perms.sln not found above " + AppContext.BaseDirectory);
    }
}
