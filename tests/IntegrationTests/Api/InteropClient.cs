using System.Text.Json;
using Perms.IntegrationTests.Infrastructure;

namespace Perms.IntegrationTests.Api;

/// <summary>
/// Runs a third-party gRPC client against a <see cref="PermsServerFixture"/>: <c>node</c> runs tests/js/interop.mjs
/// (@grpc/grpc-js with @grpc/proto-loader), <c>python</c> runs tests/python/interop.py with Debian's /usr/bin/python3
/// (python3-grpcio, python3-protobuf, protoc from protobuf-compiler). Both print the same JSON document.
/// </summary>
internal static class InteropClient
{
    /// <summary>Runs the client with <paramref name="extraArguments"/> and returns the document's <c>results</c>.</summary>
    public static async Task<JsonElement> RunAsync(PermsServerFixture server, string client, IEnumerable<string> extraArguments)
    {
        var root = TestEnvironment.RepositoryRoot;
        var (fileName, script, hint) = client switch
        {
            "node" => ("node", Path.Combine(root, "tests", "js", "interop.mjs"), "tests/js needs npm ci (scripts/test runs it)"),
            "python" => ("/usr/bin/python3", Path.Combine(root, "tests", "python", "interop.py"), "needs Debian's python3-grpcio, python3-protobuf and protobuf-compiler (scripts/test installs them)"),
            _ => throw new ArgumentOutOfRangeException(nameof(client), client, "node or python"),
        };
        var result = await ChildProcess.RunAsync(
            fileName,
            [script, "--address", server.Address, "--ids", server.IdsJson, .. extraArguments],
            root,
            new Dictionary<string, string?>
            {
                ["PERMS_TOKEN"] = server.Token,
                // Debian's interpreter with Debian's packages only: nothing from a pyenv, a virtualenv or ~/.local.
                ["PYTHONPATH"] = null,
                ["PYTHONHOME"] = null,
                ["PYTHONNOUSERSITE"] = "1",
            },
            TimeSpan.FromMinutes(1));
        if (result.ExitCode != 0)
        {
            Assert.Fail($"The {client} client exited with {result.ExitCode} ({hint}).\nstderr:\n{result.StandardError}\nstdout:\n{result.StandardOutput}");
        }

        using var document = JsonDocument.Parse(result.StandardOutput);
        var expectedClient = client == "node" ? "grpc-js " : "grpcio ";
        Assert.StartsWith(expectedClient, document.RootElement.GetProperty("client").GetString(), StringComparison.Ordinal);
        return document.RootElement.GetProperty("results").Clone();
    }
}
