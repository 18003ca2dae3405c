using Perms.LoadTest.Generation;

// perms-loadtest: the load-test harness. Today it generates datasets; `run` and `compare` arrive with issue #7.
return args switch
{
    ["generate", .. var rest] => await GenerateCommand.RunAsync(rest, Console.Out, Console.Error),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: perms-loadtest generate [options]   (--help for options)");
    Console.Error.WriteLine(GenerateCommand.Usage);
    return 2;
}
