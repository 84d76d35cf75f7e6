using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zokio.Http.Internal;
using Zokio.Runtime.Diagnostics;
using Zokio.Runtime.Loops;

namespace Zokio.Http.Tests;

/// <summary>
/// How Zokio is registered (UseZokio on the web host, AddZokio on the services, the hosting-startup assembly) and what
/// every registration must keep: Kestrel's Sockets transport takes what Zokio declines, Zokio is asked first, the
/// services exist once, and code options win over configuration.
/// </summary>
public class RegistrationTests
{
    public enum Registration
    {
        UseZokio,
        AddZokio,
    }

    public enum Decline
    {
        Disabled,
        UnsupportedOs,
    }

    public static TheoryData<Registration, bool, Decline> DeclineCases()
    {
        TheoryData<Registration, bool, Decline> cases = new();
        foreach (Registration registration in Enum.GetValues<Registration>())
        {
            foreach (bool zokioFirst in new[] { true, false })
            {
                foreach (Decline decline in Enum.GetValues<Decline>())
                {
                    cases.Add(registration, zokioFirst, decline);
                }
            }
        }

        return cases;
    }

    public static TheoryData<Registration, bool, LoopBackendKind> ServeCases()
    {
        TheoryData<Registration, bool, LoopBackendKind> cases = new();
        foreach (Registration registration in Enum.GetValues<Registration>())
        {
            foreach (bool zokioFirst in new[] { true, false })
            {
                foreach (LoopBackendKind backend in Backends.Kinds)
                {
                    cases.Add(registration, zokioFirst, backend);
                }
            }
        }

        return cases;
    }

    [Theory, MemberData(nameof(DeclineCases))]
    public async Task Sockets_serves_what_Zokio_declines_whichever_is_registered_first(Registration registration, bool zokioFirst, Decline decline)
    {
        CapturingLoggerProvider logs = new(LogLevel.Information);
        Dictionary<string, string?> configuration = decline == Decline.Disabled ? new() { ["Zokio:Enabled"] = "false" } : [];
        using IHost host = BuildOrderedHost(registration, zokioFirst, configuration, logs, services =>
        {
            if (decline == Decline.UnsupportedOs)
            {
                services.AddSingleton(new PlatformSupport(isSupported: false, "TestOS 1.0"));
            }
        });

        await host.StartAsync().WaitAsync(TestHost.Timeout);
        try
        {
            Assert.Equal("served", await GetAsync(host));

            Assert.Null(host.Services.GetRequiredService<ZokioListenerFactory>().ServingLoops);
            string expected = decline == Decline.Disabled ? "Zokio is disabled (Zokio:Enabled=false)" : "Zokio has no event-loop backend on TestOS 1.0";
            Assert.Contains(logs.Messages, m => m.Category == "Zokio.Http" && m.Message.StartsWith(expected, StringComparison.Ordinal));
        }
        finally
        {
            await host.StopAsync().WaitAsync(TestHost.Timeout);
        }
    }

    [Theory, MemberData(nameof(ServeCases))]
    public async Task Zokio_is_asked_first_whichever_is_registered_first(Registration registration, bool zokioFirst, LoopBackendKind backend)
    {
        Dictionary<string, string?> configuration = new() { ["Zokio:Backend"] = backend.ToString(), ["Zokio:LoopCount"] = "1" };
        using IHost host = BuildOrderedHost(registration, zokioFirst, configuration, logs: null, configureServices: null);

        await host.StartAsync().WaitAsync(TestHost.Timeout);
        try
        {
            Assert.Equal("served", await GetAsync(host));

            EventLoopGroup loops = Assert.IsType<EventLoopGroup>(host.Services.GetRequiredService<ZokioListenerFactory>().ServingLoops);
            Assert.Equal(backend, loops.Backend);
            Assert.True(loops.Loops.Sum(loop => LoopSnapshot.Capture(loop).ConnectionsAccepted) > 0, "Zokio accepted no connection; Sockets served.");
        }
        finally
        {
            await host.StopAsync().WaitAsync(TestHost.Timeout);
        }
    }

    [Fact]
    public async Task Hosting_startup_with_Zokio_disabled_starts_and_serves_with_Sockets()
    {
        // The report: ASPNETCORE_HOSTINGSTARTUPASSEMBLIES=Zokio.Http and Zokio__Enabled=false failed at start with "No
        // registered IConnectionListenerFactory supports endpoint IPEndPoint". Passed as host settings here so the test
        // sets no process-wide environment variable.
        WebApplication app = TestHost.CreateBuilder(args: [$"--{WebHostDefaults.HostingStartupAssembliesKey}=Zokio.Http", "--Zokio:Enabled=false"]).Build();
        app.MapGet("/", () => "served");
        await using TestHost host = await TestHost.StartAsync(app);
        using HttpClient client = new() { BaseAddress = host.BaseAddress, Timeout = TestHost.Timeout };

        Assert.Equal("served", await client.GetStringAsync("/"));

        Assert.Null(app.Services.GetRequiredService<ZokioListenerFactory>().ServingLoops);
    }

    [Fact]
    public void Every_registration_adds_the_services_once_and_keeps_every_callback_in_call_order()
    {
        WebApplicationBuilder builder = TestHost.CreateBuilder(args: ["--Zokio:Backlog=100"]);
        builder.WebHost.UseZokio(options => options.Backlog += 1);
        builder.Services.AddZokio(options => options.Backlog *= 2);
        builder.WebHost.UseZokio();
        builder.Services.AddZokio(options => options.Backlog += 3);

        Assert.Single(builder.Services, d => d.ServiceType == typeof(ZokioListenerFactory));
        Assert.Single(builder.Services, d => d.ServiceType == typeof(IConnectionListenerFactory) && d.ImplementationType == typeof(SocketTransportFactory));
        Assert.Equal(2, builder.Services.Count(d => d.ServiceType == typeof(IConnectionListenerFactory)));
        using WebApplication app = builder.Build();
        // Bound 100, then the callbacks in the order they were registered: (100 + 1) * 2 + 3.
        Assert.Equal(205, app.Services.GetRequiredService<IOptions<ZokioOptions>>().Value.Backlog);
    }

    [Theory]
    [InlineData(Registration.UseZokio, false)]
    [InlineData(Registration.AddZokio, false)]
    [InlineData(Registration.UseZokio, true)]
    [InlineData(Registration.AddZokio, true)]
    public void Code_options_win_over_configuration(Registration registration, bool hostingStartupRegisteredFirst)
    {
        List<string> args = ["--Zokio:LoopCount=2", "--Zokio:RingEntries=64", "--Zokio:WorkStealing=false"];
        if (hostingStartupRegisteredFirst)
        {
            // The hosting startup calls UseZokio() before the app's own code does.
            args.Add($"--{WebHostDefaults.HostingStartupAssembliesKey}=Zokio.Http");
        }

        WebApplicationBuilder builder = TestHost.CreateBuilder(args: [.. args]);
        Action<ZokioOptions> configure = options => options.LoopCount = 4;
        if (registration == Registration.UseZokio)
        {
            builder.WebHost.UseZokio(configure);
        }
        else
        {
            builder.Services.AddZokio(configure);
        }

        using WebApplication app = builder.Build();
        ZokioOptions options = app.Services.GetRequiredService<IOptions<ZokioOptions>>().Value;

        Assert.Equal(4, options.LoopCount);
        Assert.Equal(64, options.RingEntries);
        Assert.False(options.WorkStealing);
    }

    /// <summary>
    /// A generic host whose registrations run in a known order: Zokio's before Kestrel's (as the hosting-startup
    /// assembly does) or after (as code after <c>WebApplication.CreateBuilder</c> does).
    /// </summary>
    private static IHost BuildOrderedHost(Registration registration, bool zokioFirst, Dictionary<string, string?> configuration, CapturingLoggerProvider? logs, Action<IServiceCollection>? configureServices) =>
        new HostBuilder()
            .ConfigureAppConfiguration(config => config.AddInMemoryCollection(configuration))
            .ConfigureLogging(logging =>
            {
                if (logs is not null)
                {
                    logging.AddProvider(logs);
                }
            })
            .ConfigureWebHost(web =>
            {
                if (zokioFirst)
                {
                    Register(web, registration);
                }

                web.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
                if (!zokioFirst)
                {
                    Register(web, registration);
                }

                if (configureServices is not null)
                {
                    web.ConfigureServices(configureServices);
                }

                web.Configure(app => app.Run(context => context.Response.WriteAsync("served")));
            })
            .Build();

    private static void Register(IWebHostBuilder web, Registration registration)
    {
        if (registration == Registration.UseZokio)
        {
            web.UseZokio();
        }
        else
        {
            web.ConfigureServices(services => services.AddZokio());
        }
    }

    private static async Task<string> GetAsync(IHost host)
    {
        string address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        using HttpClient client = new() { BaseAddress = new Uri(address), Timeout = TestHost.Timeout };
        return await client.GetStringAsync("/");
    }
}
