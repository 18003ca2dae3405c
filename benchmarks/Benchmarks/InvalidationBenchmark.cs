using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;
using Perms.Api.V1;
using Perms.Grpc;
using Perms.Nats;

namespace Perms.Benchmarks;

/// <summary>
/// Publish → the next check reflects the change, against a running silo process (benchmarks/invalidation.sh starts
/// one over the demo data): flip a member's role with an UPDATE, publish <c>member.role.changed</c>, and check over
/// gRPC until the answer flips; the time from the publish to that answer is one sample. Baselines measured in the same
/// run: a warm check, and a <c>fully_consistent</c> check (a read of PostgreSQL per call: what every check would cost
/// without a cache).
/// </summary>
internal static class InvalidationBenchmark
{
    public const string Usage = "usage: Benchmarks invalidation --address HOST:PORT --token TOKEN --database CONNSTRING --nats URL --prefix PREFIX --ids IDS.json [--changes 1000]";

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            options[args[i].TrimStart('-')] = args[i + 1];
        }

        string[] required = ["address", "token", "database", "nats", "prefix", "ids"];
        if (required.Any(r => !options.ContainsKey(r)))
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var changes = int.Parse(options.GetValueOrDefault("changes", "1000"), CultureInfo.InvariantCulture);
        using var ids = JsonDocument.Parse(await File.ReadAllTextAsync(options["ids"]));
        var userId = ids.RootElement.GetProperty("users").GetProperty("bob").GetString()!;
        var organizationId = ids.RootElement.GetProperty("organizations").GetProperty("acme").GetString()!;

        using var channel = new GrpcChannel(new Uri($"http://{options["address"]}"));
        var call = new GrpcCallOptions { Headers = [new("authorization", $"Bearer {options["token"]}")], Timeout = TimeSpan.FromSeconds(10) };
        await using var database = NpgsqlDataSource.Create(options["database"]);
        await using var nats = new NatsConnection(new NatsOptions { Servers = [new Uri(options["nats"])], Name = "invalidation-benchmark" });
        await nats.ConnectAsync();
        var subject = options["prefix"] + "member.role.changed";

        // A second subscriber in this process: publish → delivered through NATS alone, for each change (a baseline of
        // the transport, measured in the same run).
        var delivered = new long[changes];
        await using var listener = new NatsConnection(new NatsOptions { Servers = [new Uri(options["nats"])], Name = "invalidation-benchmark-listener" });
        await using var subscription = await listener.SubscribeAsync(subject, (message, _) =>
        {
            using var json = JsonDocument.Parse(message.Data);
            if (json.RootElement.TryGetProperty("sequence", out var sequence))
            {
                delivered[sequence.GetInt32()] = Stopwatch.GetTimestamp();
            }

            return ValueTask.CompletedTask;
        });
        await listener.ConnectAsync();

        Task<CheckPermissionResponse> CheckAsync(Consistency? consistency = null)
        {
            var request = new CheckPermissionRequest { UserId = userId, OrganizationId = organizationId, Consistency = consistency };
            request.Permissions.Add("project", new Actions { Actions_ = { "create" } }); // admin: yes; viewer: no
            return channel.CallUnaryAsync("/perms.v1.PermissionService/CheckPermission", request, CheckPermissionResponse.Parser, call);
        }

        async Task SetRoleAsync(bool admin)
        {
            await using var update = database.CreateCommand("""UPDATE member SET role = $1 WHERE "userId" = $2 AND "organizationId" = $3""");
            update.Parameters.Add(new NpgsqlParameter { Value = admin ? "admin" : "viewer" });
            update.Parameters.Add(new NpgsqlParameter { Value = userId });
            update.Parameters.Add(new NpgsqlParameter { Value = organizationId });
            if (await update.ExecuteNonQueryAsync() != 1)
            {
                throw new InvalidOperationException("bob is not a member of acme: run on the demo data");
            }
        }

        var fullyConsistent = new Consistency { FullyConsistent = true };
        for (var i = 0; i < 500; i++)
        {
            await CheckAsync();
            await CheckAsync(fullyConsistent);
        }

        var warm = await Latencies.MeasureAsync(changes, () => CheckAsync());
        var consistent = await Latencies.MeasureAsync(changes, () => CheckAsync(fullyConsistent));

        var reflected = new double[changes];
        var publishedAt = new long[changes];
        var polls = new int[changes];
        var admin = (await CheckAsync()).Allowed;
        for (var i = 0; i < changes; i++)
        {
            admin = !admin;
            await SetRoleAsync(admin);
            // "sequence" is not in the contract: Perms ignores unknown fields; the listener above reads it.
            var payload = Encoding.UTF8.GetBytes($$"""{"userId":"{{userId}}","organizationId":"{{organizationId}}","role":"{{(admin ? "admin" : "viewer")}}","occurredAt":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}},"sequence":{{i}}}""");
            var published = Stopwatch.GetTimestamp();
            publishedAt[i] = published;
            await nats.PublishAsync(subject, payload);
            var answered = 0;
            while ((await CheckAsync()).Allowed != admin)
            {
                answered++;
                if (Stopwatch.GetElapsedTime(published) > TimeSpan.FromMinutes(1))
                {
                    throw new InvalidOperationException($"change {i}: the answer never flipped (is the silo subscribed to {options["nats"]} with prefix '{options["prefix"]}'?)");
                }
            }

            reflected[i] = Stopwatch.GetElapsedTime(published).TotalMicroseconds;
            polls[i] = answered + 1;
        }

        await Task.Delay(100); // the last deliveries
        Array.Sort(reflected);
        var transport = Enumerable.Range(0, changes).Where(i => delivered[i] != 0).Select(i => Stopwatch.GetElapsedTime(publishedAt[i], delivered[i]).TotalMicroseconds).Order().ToArray();
        Console.WriteLine($"{changes:N0} role changes of one member (UPDATE, then member.role.changed on NATS); silo at {options["address"]}, one caller, sequential");
        Console.WriteLine($"checks per change until the answer flipped: mean {polls.Average():F2}, max {polls.Max()}");
        Console.WriteLine();
        Console.WriteLine("| measured | p50 | p90 | p99 | max | p50 / warm check p50 |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- |");
        Latencies.Print("baseline: warm CheckPermission (cached grains)", warm, warm);
        Latencies.Print("baseline: CheckPermission fully_consistent (PostgreSQL per call)", consistent, warm);
        Latencies.Print($"baseline: publish → delivered to a subscriber in this process ({transport.Length:N0} of {changes:N0}; NATS and Perms' client alone)", transport, warm);
        Latencies.Print("publish → first CheckPermission that reflects the change", reflected, warm);
        Console.WriteLine();
        Console.WriteLine($"publish → reflected p50 is {Latencies.Percentile(reflected, 0.5) / Latencies.Percentile(consistent, 0.5):F2}× a fully_consistent check's p50; target p99 ≤ 5 ms: {(Latencies.Percentile(reflected, 0.99) <= 5000 ? "met" : "NOT met")}");
        return 0;
    }
}
