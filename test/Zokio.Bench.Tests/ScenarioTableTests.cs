using Zokio.Bench;

namespace Zokio.Bench.Tests;

public sealed class ScenarioTableTests
{
    [Fact]
    public void Every_wrk_script_a_scenario_names_is_in_bench()
    {
        var benchDir = BenchDir();

        Assert.All(Scenario.All.Select(s => s.Load).OfType<WrkLoad>(), wrk => Assert.True(File.Exists(Path.Combine(benchDir, wrk.Script)), wrk.Script));
    }

    [Fact]
    public void Names_are_unique_and_nginx_serves_only_plain_http1_scenarios()
    {
        Assert.Equal(Scenario.All.Count, Scenario.All.Select(s => s.Name).Distinct().Count());
        Assert.Equal(ServerDefinition.All.Count, ServerDefinition.All.Select(s => s.Name).Distinct().Count());
        Assert.All(Scenario.All.Where(s => s.Nginx), s => Assert.True(s.Load is WrkLoad && s.Probe.Endpoint == Endpoint.Http1 && s.Validation is null, s.Name));
    }

    private static string BenchDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "bench", "run.sh")))
            {
                return Path.Combine(dir.FullName, "bench");
            }
        }
        throw new DirectoryNotFoundException($"no bench/run.sh above {AppContext.BaseDirectory}");
    }
}
