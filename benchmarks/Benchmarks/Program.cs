using BenchmarkDotNet.Running;
using Perms.Benchmarks;

// One command per benchmark; see docs/benchmarks.md for the exact invocations and the latest results.
switch (args)
{
    case ["cold-load", .. var rest]:
        return await ColdLoadBenchmark.RunAsync(rest);
    case ["grain-memory", .. var counts]:
        return await GrainMemoryBenchmark.RunAsync(counts);
    case ["grpc", .. var grpcArgs]:
        return await GrpcBenchmark.RunAsync(grpcArgs);
    case ["invalidation", .. var invalidationArgs]:
        return await InvalidationBenchmark.RunAsync(invalidationArgs);
}

BenchmarkSwitcher.FromAssembly(typeof(EvaluatorBenchmarks).Assembly).Run(args);
return 0;
