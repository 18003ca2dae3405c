using BenchmarkDotNet.Running;
using Perms.Benchmarks;

// One command per benchmark; see docs/benchmarks.md for the exact invocations and the latest results.
if (args is ["cold-load", .. var rest])
{
    return await ColdLoadBenchmark.RunAsync(rest);
}

BenchmarkSwitcher.FromAssembly(typeof(EvaluatorBenchmarks).Assembly).Run(args);
return 0;
