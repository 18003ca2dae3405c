using System.Diagnostics;
using System.Net;
using Grpc.Health.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Perms.Api.V1;
using Perms.Gateway.Api;
using Perms.Grains.Permissions;
using Perms.Grains.Policy;
using Perms.Grpc;

namespace Perms.Benchmarks;

/// <summary>
/// CheckPermission over real gRPC on loopback against the floor measured in the same run: an empty unary call on the
/// same server, wire layer and client. The checks are warm (state in memory, as after activation), so this measures
/// the gateway, the wire layer and the Orleans grain call — not PostgreSQL. Sequential latency on one connection, then
/// closed-loop throughput with 64 concurrent callers. Targets: p50 ≤ 100 µs, p99 ≤ 300 µs; throughput ≥ 70% of the
/// floor's.
/// </summary>
internal static class GrpcBenchmark
{
    private const string EmptyPath = "/perms.bench.Bench/Empty";

    public static async Task<int> RunAsync(string[] args)
    {
        var sequential = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 20_000;
        var seconds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10;
        const int Concurrency = 64;
        const int Users = 10_000;

        var policy = new CompiledPolicy(BetterAuthDefaults.Policy);
        var reader = new InMemoryReader();
        await using var silo = await InProcessSilo.StartAsync(reader, policy);
        var api = new PermissionApi(silo.Checker);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpcWire();
        await using var app = builder.Build();
        app.MapGrpcUnary<HealthCheckRequest, HealthCheckResponse>("perms.bench.Bench", "Empty", HealthCheckRequest.Parser, static (_, _) => ValueTask.FromResult(new HealthCheckResponse()));
        app.MapGrpcUnary<CheckPermissionRequest, CheckPermissionResponse>(PermissionApi.ServiceName, "CheckPermission", CheckPermissionRequest.Parser, api.CheckPermissionAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var channel = new GrpcChannel(new Uri(address), new GrpcChannelOptions { EnableMultipleHttp2Connections = false });

        var requests = Enumerable.Range(0, Users).Select(i => new CheckPermissionRequest
        {
            UserId = InMemoryReader.UserId(i),
            OrganizationId = InMemoryReader.OrganizationId(InMemoryReader.OrganizationOf(i, 1)), // the user's "admin" membership
            Permissions = { ["member"] = new Actions { Actions_ = { "create", "update" } }, ["team"] = new Actions { Actions_ = { "create" } } },
        }).ToArray();
        var empty = new HealthCheckRequest();
        Task<HealthCheckResponse> Empty() => channel.CallUnaryAsync(EmptyPath, empty, HealthCheckResponse.Parser);
        Task<CheckPermissionResponse> Check(int i) => channel.CallUnaryAsync("/perms.v1.PermissionService/CheckPermission", requests[i % Users], CheckPermissionResponse.Parser);

        // Warm-up: every user activated (the checks below are warm), the JIT, the connection.
        foreach (var batch in Enumerable.Range(0, Users).Chunk(500))
        {
            var answers = await Task.WhenAll(batch.Select(Check));
            if (answers.Any(a => !a.Allowed))
            {
                throw new InvalidOperationException("every benchmark check must be an allow");
            }
        }

        for (var i = 0; i < 2000; i++)
        {
            await Empty();
        }

        Console.WriteLine($"loopback h2c, one HTTP/2 connection, Perms.Grpc client; {Users:N0} warm users; {sequential:N0} sequential calls; {Concurrency} concurrent callers for {seconds} s each");
        var emptyLatency = await SequentialAsync(sequential, _ => Empty());
        var checkLatency = await SequentialAsync(sequential, Check);
        var emptyRate = await ThroughputAsync(Concurrency, seconds, _ => Empty());
        var checkRate = await ThroughputAsync(Concurrency, seconds, Check);

        Console.WriteLine();
        Console.WriteLine("| call | sequential p50 | p90 | p99 | throughput, 64 callers | throughput vs floor |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        Console.WriteLine($"| empty unary call (the floor) | {P(emptyLatency, 0.5)} | {P(emptyLatency, 0.9)} | {P(emptyLatency, 0.99)} | {emptyRate:N0}/s | 100% |");
        Console.WriteLine($"| CheckPermission, warm | {P(checkLatency, 0.5)} | {P(checkLatency, 0.9)} | {P(checkLatency, 0.99)} | {checkRate:N0}/s | {checkRate / emptyRate:P0} |");
        await app.StopAsync();
        return 0;
    }

    private static async Task<double[]> SequentialAsync<T>(int count, Func<int, Task<T>> call)
    {
        var micros = new double[count];
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await call(i);
            micros[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        Array.Sort(micros);
        return micros;
    }

    private static async Task<double> ThroughputAsync<T>(int callers, int seconds, Func<int, Task<T>> call)
    {
        var stop = Stopwatch.StartNew();
        var total = 0L;
        await Task.WhenAll(Enumerable.Range(0, callers).Select(async caller =>
        {
            var n = caller * 1_000_003;
            var done = 0L;
            while (stop.Elapsed.TotalSeconds < seconds)
            {
                await call(n++);
                done++;
            }

            Interlocked.Add(ref total, done);
        }));
        return total / stop.Elapsed.TotalSeconds;
    }

    private static string P(double[] sorted, double p)
    {
        var value = sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        return value >= 1000 ? $"{value / 1000:F2} ms" : $"{value:F0} µs";
    }
}
