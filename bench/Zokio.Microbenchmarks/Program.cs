using BenchmarkDotNet.Running;

namespace Zokio.Microbenchmarks;

/// <summary>Entry point: <c>dotnet run -c Release -- --filter '*'</c>; add <c>--job short</c> for a quick run.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
