using System.Globalization;
using System.Text;
using Xunit.Abstractions;

namespace Zokio.Http.Tests.Server;

/// <summary>
/// The seeded differential fuzz: mutated requests through Kestrel (Sockets), through the parser and through Zokio's
/// server end to end (io_uring and epoll in turn), which must all agree, and through the parser again in random
/// pieces, which must not change its answer. The bounded run is a fixed seed
/// list; <c>ZOKIO_HTTP1_FUZZ_COUNT</c> and <c>ZOKIO_HTTP1_FUZZ_SEED</c> make it a long run (eng/fuzz-http1.sh).
/// </summary>
public sealed class Http1FuzzTests(KestrelOracle kestrel, ZokioServerOnIoUring ioUring, ZokioServerOnEpoll epoll, ITestOutputHelper output)
    : IClassFixture<KestrelOracle>, IClassFixture<ZokioServerOnIoUring>, IClassFixture<ZokioServerOnEpoll>
{
    private static readonly int[] BoundedSeeds = [1, 2, 3, 4];
    private const int CasesPerSeed = 100;

    [Fact]
    public async Task Mutated_requests_get_the_same_outcome_from_Kestrel_the_parser_and_Zokio_server()
    {
        int[] seeds = BoundedSeeds;
        int perSeed = CasesPerSeed;
        if (Environment.GetEnvironmentVariable("ZOKIO_HTTP1_FUZZ_COUNT") is { } count)
        {
            perSeed = int.Parse(count, CultureInfo.InvariantCulture);
            seeds = [int.Parse(Environment.GetEnvironmentVariable("ZOKIO_HTTP1_FUZZ_SEED") ?? "1", CultureInfo.InvariantCulture)];
        }

        var differences = new List<string>();
        var explained = new List<string>();
        var shapes = new Dictionary<string, int>();
        int ran = 0;
        foreach (int seed in seeds)
        {
            var fuzzer = new Http1Fuzzer(seed);
            for (int i = 0; i < perSeed; i++)
            {
                byte[] request = fuzzer.Next();
                byte[] input = [.. request, .. EchoFormat.Probe];
                Http1Outcome kestrelOutcome = await kestrel.RunAsync(request);
                string expected = kestrelOutcome.ToString();
                Http1Outcome parserOutcome = Http1Model.Run(input, KestrelOracle.Limits);
                string actual = parserOutcome.ToString();
                int[] splits = fuzzer.Splits(input.Length);
                string split = Http1Model.Run(input, KestrelOracle.Limits, splits).ToString();
                KestrelOracle server = i % 2 == 0 ? ioUring : epoll;
                Http1Outcome serverOutcome = await server.RunAsync(request);
                ran++;
                string shape = Shape(expected);
                shapes[shape] = shapes.GetValueOrDefault(shape) + 1;
                if (actual != split)
                {
                    differences.Add($"seed {seed} case {i} depends on the split: {Escape(request)}\n  whole: {actual}\n  split {string.Join(',', splits)}: {split}");
                }
                else if (expected != actual && ArguedDifferences.Explain(parserOutcome) is { } argued)
                {
                    explained.Add(argued);
                }
                else if (expected != actual)
                {
                    differences.Add($"seed {seed} case {i}: {Escape(request)}\n  Kestrel ({kestrelOutcome.Trace}): {expected}\n  parser:  {actual}\n  split {string.Join(',', splits)}: {split}");
                }

                if (serverOutcome.ToString() != actual)
                {
                    // The server must answer as its parser does (and so as Kestrel, or with the argued difference).
                    differences.Add($"seed {seed} case {i}: Zokio's server ({(i % 2 == 0 ? "io_uring" : "epoll")}) differs from the parser: {Escape(request)}\n  Kestrel: {expected}\n  parser:  {actual}\n  server ({serverOutcome.Trace}): {serverOutcome}");
                }
            }
        }

        output.WriteLine($"{ran} cases, {differences.Count} differences, {explained.Count} argued differences ({string.Join(", ", explained.Distinct())})");
        output.WriteLine("Kestrel's answers: " + string.Join(", ", shapes.OrderByDescending(s => s.Value).Select(s => $"{s.Key} x{s.Value}")));
        Assert.True(differences.Count == 0, $"{differences.Count} of {ran} cases differ:\n" + string.Join("\n", differences.Take(20)));
    }

    /// <summary>The statuses of an outcome, e.g. "200 200" or "400", to show how varied the cases were.</summary>
    private static string Shape(string outcome) =>
        string.Join(' ', outcome.Split("\n--- ").Skip(1).Select(r => r[..3])) is { Length: > 0 } statuses ? statuses : "none";

    internal static string Escape(byte[] bytes)
    {
        var text = new StringBuilder();
        foreach (byte b in bytes)
        {
            text.Append(b switch
            {
                (byte)'\r' => "\\r",
                (byte)'\n' => "\\n",
                < 0x20 or >= 0x7F => $"\\x{b:X2}",
                _ => ((char)b).ToString(),
            });
        }

        return text.ToString();
    }
}
