namespace Zokio.Http.Tests.Server;

/// <summary>
/// Every conformance case through Kestrel (Sockets) and through the parser, framing and chunked decoder in-process:
/// the same responses, the same bytes seen by the app, the same decision to keep or close the connection.
/// </summary>
public sealed class Http1DifferentialTests(KestrelOracle kestrel) : IClassFixture<KestrelOracle>
{
    public static TheoryData<string> CaseNames => new(Http1ConformanceCases.All.Select(c => c.Name));

    [Fact]
    public void The_case_table_has_at_least_100_distinct_cases()
    {
        Assert.True(Http1ConformanceCases.All.Count >= 100, $"{Http1ConformanceCases.All.Count} cases");
        Assert.Equal(Http1ConformanceCases.All.Count, Http1ConformanceCases.All.Select(c => c.Name).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Parser_outcome_matches_Kestrel(string name)
    {
        byte[] input = Input(name);
        Http1Outcome expected = await kestrel.RunAsync(Find(name).Bytes);
        Http1Outcome actual = Http1Model.Run(input, KestrelOracle.Limits);
        if (Find(name).ArguedDifference is { } argued)
        {
            // Kestrel still answers differently (else the note must go), and Zokio answers a plain 400.
            Assert.NotEqual(expected.ToString(), actual.ToString());
            Assert.Equal(argued, ArguedDifferences.Explain(actual));
            return;
        }

        Assert.True(expected.ToString() == actual.ToString(), $"Kestrel ({expected.Trace}):\n{expected}\nparser:\n{actual}");
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Parser_outcome_does_not_depend_on_how_the_bytes_are_split(string name)
    {
        byte[] input = Input(name);
        string whole = Http1Model.Run(input, KestrelOracle.Limits).ToString();
        if (input.Length <= 2048)
        {
            // In two pieces at every position, and one byte per read.
            for (int split = 1; split < input.Length; split++)
            {
                Assert.True(whole == Http1Model.Run(input, KestrelOracle.Limits, [split]).ToString(), $"split at {split}");
            }

            Assert.Equal(whole, Http1Model.Run(input, KestrelOracle.Limits, Enumerable.Range(1, input.Length - 1).ToArray()).ToString());
        }
        else
        {
            var random = new Random(input.Length);
            for (int run = 0; run < 20; run++)
            {
                int[] splits = Enumerable.Range(0, 1 + random.Next(30)).Select(_ => random.Next(1, input.Length)).Order().Distinct().ToArray();
                Assert.True(whole == Http1Model.Run(input, KestrelOracle.Limits, splits).ToString(), "splits " + string.Join(',', splits));
            }
        }
    }

    private static Http1Case Find(string name) => Http1ConformanceCases.All.Single(c => c.Name == name);

    /// <summary>The case's bytes followed by the probe, as the oracle sends them.</summary>
    private static byte[] Input(string name) => [.. Find(name).Bytes, .. EchoFormat.Probe];
}
