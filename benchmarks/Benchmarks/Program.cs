using BenchmarkDotNet.Running;

// One command per benchmark class; see docs/benchmarks.md for the exact invocations and the latest results.
BenchmarkSwitcher.FromAssembly(typeof(Perms.Benchmarks.EvaluatorBenchmarks).Assembly).Run(args);
