using System.Runtime.InteropServices;
using Zokio.Bench;

// bench/run.sh installs the load tools and runs this: `--check ARGS` only checks the command line (exit 0: a run would
// follow; 2: invalid; 3: the usage was printed), anything else is the run (exit 0: every run ok; 1: some failed;
// 2: could not start; 130: interrupted).
var checkOnly = args is ["--check", ..];
try
{
    var options = BenchOptions.Parse(checkOnly ? args[1..] : args);
    if (options.Help)
    {
        Console.WriteLine(BenchOptions.Usage);
        return checkOnly ? 3 : 0;
    }
    var environment = BenchEnvironment.FromProcess();
    if (checkOnly)
    {
        return 0;
    }

    using var interrupted = new CancellationTokenSource();
    // The servers and tools the run started are stopped on the way out (BenchDriver's cleanup), not left running.
    using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
    using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
    return await new BenchDriver(options, environment).RunAsync(interrupted.Token);

    void Interrupt(PosixSignalContext context)
    {
        context.Cancel = true;
        interrupted.Cancel();
    }
}
catch (BenchAbortException e)
{
    Console.Error.WriteLine($"run.sh: {e.Message}");
    return 2;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("run.sh: interrupted");
    return 130;
}
