namespace Zokio.Http.Tests.Server;

/// <summary>
/// Every conformance case end to end, through Kestrel (Sockets) and through Zokio's server on both backends: the same
/// responses, the same bytes seen by the app, the same decision to keep or close the connection.
/// </summary>
public sealed class ServerDifferentialTests(KestrelOracle kestrel, ZokioServerOnIoUring ioUring, ZokioServerOnEpoll epoll)
    : IClassFixture<KestrelOracle>, IClassFixture<ZokioServerOnIoUring>, IClassFixture<ZokioServerOnEpoll>
{
    public static TheoryData<string, string> Cases
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (Http1Case c in Http1ConformanceCases.All)
            {
                data.Add("io_uring", c.Name);
                data.Add("epoll", c.Name);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Zokio_server_outcome_matches_Kestrel(string backend, string name)
    {
        Http1Case c = Http1ConformanceCases.All.Single(c => c.Name == name);
        Http1Outcome expected = await kestrel.RunAsync(c.Bytes);
        KestrelOracle zokio = backend == "io_uring" ? ioUring : epoll;
        Http1Outcome actual = await zokio.RunAsync(c.Bytes);
        if (c.ArguedDifference is not null)
        {
            // The parser's argued difference (a plain 400) is the server's too.
            Assert.NotEqual(expected.ToString(), actual.ToString());
            return;
        }

        Assert.True(expected.ToString() == actual.ToString(), $"Kestrel ({expected.Trace}):\n{expected}\nZokio's server ({actual.Trace}):\n{actual}");
    }
}
