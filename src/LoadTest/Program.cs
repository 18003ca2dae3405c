using Perms.LoadTest.Commands;
using Perms.LoadTest.Comparison;
using Perms.LoadTest.Generation;

// perms-loadtest: the load-test harness — generate a dataset, run a scenario against a silo, compare with Better Auth.
return args switch
{
    ["generate", .. var rest] => await GenerateCommand.RunAsync(rest, Console.Out, Console.Error),
    ["run", .. var rest] => await RunCommand.RunAsync(rest, Console.Out, Console.Error),
    ["compare", .. var rest] => await CompareCommand.RunAsync(rest, Console.Out, Console.Error),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: perms-loadtest generate|run|compare [options]");
    Console.Error.WriteLine(GenerateCommand.Usage);
    Console.Error.WriteLine(RunCommand.Usage);
    Console.Error.WriteLine(CompareCommand.Usage);
    return 2;
}
