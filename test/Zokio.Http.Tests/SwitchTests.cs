using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Zokio.Runtime.Loops;

namespace Zokio.Http.Tests;

/// <summary>How Zokio is turned on and off without touching the app's code.</summary>
public class SwitchTests
{
    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Zokio_Enabled_false_on_the_command_line_serves_with_Sockets_and_Zokio_accepts_nothing(LoopBackendKind backend)
    {
        using ZokioMeterReader meter = new();
        WebApplication app = TestHost.CreateZokioBuilder(backend, args: ["--Zokio:Enabled=false"]).Build();
        app.MapGet("/", () => "served");
        await using TestHost host = await TestHost.StartAsync(app);
        long acceptedBefore = meter.Read(ZokioMeterReader.ConnectionsAccepted);
        using HttpClient client = new() { BaseAddress = host.BaseAddress, Timeout = TestHost.Timeout };

        Assert.Equal("served", await client.GetStringAsync("/"));

        Assert.Equal(acceptedBefore, meter.Read(ZokioMeterReader.ConnectionsAccepted));
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Hosting_startup_assembly_puts_an_app_that_never_calls_UseZokio_on_Zokio(LoopBackendKind backend)
    {
        using ZokioMeterReader meter = new();
        long acceptedBefore = meter.Read(ZokioMeterReader.ConnectionsAccepted);
        // What ASPNETCORE_HOSTINGSTARTUPASSEMBLIES=Zokio.Http does, passed as a host setting so the test sets no process-wide environment variable.
        WebApplication app = TestHost.CreateBuilder(args: [$"--{WebHostDefaults.HostingStartupAssembliesKey}=Zokio.Http", $"--Zokio:Backend={backend}", "--Zokio:LoopCount=2"]).Build();
        app.MapGet("/", () => "served");
        await using TestHost host = await TestHost.StartAsync(app);
        using HttpClient client = new() { BaseAddress = host.BaseAddress, Timeout = TestHost.Timeout };

        Assert.Equal("served", await client.GetStringAsync("/"));

        Assert.True(meter.Read(ZokioMeterReader.ConnectionsAccepted) > acceptedBefore, "Zokio accepted no connection; the hosting startup did not register it.");
    }
}
