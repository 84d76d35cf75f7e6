using System.Net;
using Microsoft.AspNetCore.Builder;
using Npgsql;
using Zokio.BenchClient;
using Zokio.Runtime.Loops;

namespace Zokio.Workloads.Tests;

[Collection(PostgresCollection.Name)]
public class TechEmpowerTests
{
    [PostgresTheory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Database_endpoints_pass_TechEmpower_validation_against_PostgreSQL(LoopBackendKind backend)
    {
        using ZokioMeterReader meter = new();
        long acceptedBefore = meter.Read(ZokioMeterReader.ConnectionsAccepted);
        await using TestHost host = await TestHost.StartAsync(SampleApp.Create(backend, PostgresCluster.ConnectionString));
        using HttpClient http = new() { BaseAddress = host.BaseAddress, Timeout = TestHost.Timeout };
        await using NpgsqlDataSource db = NpgsqlDataSource.Create(PostgresCluster.ConnectionString);

        // The validation bench/run.sh runs before measuring: every queries value the rules name, rows compared with the
        // database, updates read back from it, fortunes complete, sorted and escaped.
        TechEmpowerValidator validator = new(http, db);
        foreach (string test in new[] { "db", "queries", "fortunes", "updates" })
        {
            IReadOnlyList<string> problems = await validator.ValidateAsync(test).WaitAsync(TestHost.Timeout);
            Assert.True(problems.Count == 0, $"/{test} failed validation:{Environment.NewLine}{string.Join(Environment.NewLine, problems)}");
        }

        Assert.True(meter.Read(ZokioMeterReader.ConnectionsAccepted) > acceptedBefore, "Zokio accepted no connection; another transport served.");
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Without_a_connection_string_the_database_endpoints_are_not_mapped(LoopBackendKind backend)
    {
        // The README's commands run the sample without a database: it must start and simply not serve these.
        await using TestHost host = await TestHost.StartAsync(SampleApp.Create(backend, connectionString: null));
        using HttpClient http = new() { BaseAddress = host.BaseAddress, Timeout = TestHost.Timeout };
        foreach (string path in new[] { "/db", "/queries?queries=2", "/fortunes", "/updates?queries=2" })
        {
            using HttpResponseMessage response = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
    }
}
