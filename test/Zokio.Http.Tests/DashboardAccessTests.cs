using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Zokio.Http.Dashboard;
using Zokio.Runtime.Loops;

namespace Zokio.Http.Tests;

/// <summary>Who may see the dashboard: clients on this machine by default, others when allowed, and the app's own conventions.</summary>
public class DashboardAccessTests
{
    private static readonly string[] s_endpoints = ["/zokio", "/zokio/snapshot", "/zokio/events"];

    // A client on another machine, as the app sees it behind a proxy on this one that forwards the client's address
    // (UseForwardedHeaders trusts a proxy on loopback by default): a real request on a real socket, from a remote address.
    private const string RemoteClient = "203.0.113.9";

    [Theory, MemberData(nameof(TestHost.Backends), MemberType = typeof(TestHost))]
    public async Task By_default_the_dashboard_answers_clients_on_this_machine_and_404_to_others_and_says_why_once_in_the_log(LoopBackendKind backend)
    {
        using CapturingLoggerProvider logs = new();
        await using TestHost host = await StartAsync(backend, options: null, logs);
        using HttpClient client = new(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = host.BaseAddress, Timeout = TestHost.Timeout };

        foreach (string path in s_endpoints)
        {
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, path, forwardedFor: null));
            Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(client, path, RemoteClient));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, path, "::1"));
        }

        string refusal = Assert.Single(logs.Messages, m => m.Message.Contains("dashboard answered 404", StringComparison.Ordinal)).Message;
        Assert.Contains(RemoteClient, refusal);
        Assert.Contains("AllowRemoteClients", refusal);
    }

    [Theory, MemberData(nameof(TestHost.Backends), MemberType = typeof(TestHost))]
    public async Task AllowRemoteClients_serves_clients_on_other_machines_too(LoopBackendKind backend)
    {
        await using TestHost host = await StartAsync(backend, new ZokioDashboardOptions { AllowRemoteClients = true });
        using HttpClient client = new(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = host.BaseAddress, Timeout = TestHost.Timeout };

        foreach (string path in s_endpoints)
        {
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, path, RemoteClient));
        }
    }

    [Theory, MemberData(nameof(TestHost.Backends), MemberType = typeof(TestHost))]
    public async Task RequireHost_on_the_returned_builder_applies_to_every_dashboard_endpoint(LoopBackendKind backend)
    {
        WebApplication app = TestHost.CreateZokioBuilder(backend).Build();
        app.MapZokioDashboard("/zokio").RequireHost("dashboard.test");
        await using TestHost host = await TestHost.StartAsync(app);
        using HttpClient client = new(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = host.BaseAddress, Timeout = TestHost.Timeout };

        foreach (string path in s_endpoints)
        {
            Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(client, path, forwardedFor: null));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, path, forwardedFor: null, host: "dashboard.test"));
        }
    }

    [Theory, MemberData(nameof(TestHost.Backends), MemberType = typeof(TestHost))]
    public async Task RequireAuthorization_on_the_returned_builder_applies_to_every_dashboard_endpoint(LoopBackendKind backend)
    {
        WebApplicationBuilder builder = TestHost.CreateZokioBuilder(backend);
        builder.Services.AddAuthorization();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(cookie =>
            cookie.Events.OnRedirectToLogin = context =>
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return Task.CompletedTask;
            });
        WebApplication app = builder.Build();
        app.MapGet("/login", () => Results.SignIn(
            new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "operator")], CookieAuthenticationDefaults.AuthenticationScheme))));
        app.MapZokioDashboard("/zokio").RequireAuthorization();
        await using TestHost host = await TestHost.StartAsync(app);
        using HttpClient client = new(new SocketsHttpHandler { MaxResponseDrainSize = 0, UseCookies = true }) { BaseAddress = host.BaseAddress, Timeout = TestHost.Timeout };

        foreach (string path in s_endpoints)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(client, path, forwardedFor: null));
        }

        using (HttpResponseMessage login = await client.GetAsync("/login"))
        {
            login.EnsureSuccessStatusCode();
        }

        foreach (string path in s_endpoints)
        {
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, path, forwardedFor: null));
        }
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.0.0.2", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("10.1.2.3", false)]
    [InlineData("::ffff:10.1.2.3", false)]
    [InlineData("2001:db8::1", false)]
    [InlineData("0.0.0.0", false)]
    public void A_client_is_on_this_machine_when_its_address_is_loopback(string address, bool local) =>
        Assert.Equal(local, DashboardClients.IsLocal(IPAddress.Parse(address)));

    [Fact]
    public void A_client_without_an_IP_address_is_on_this_machine() =>
        // Unix domain sockets and named pipes: only processes of this machine can connect.
        Assert.True(DashboardClients.IsLocal(null));

    private static async Task<TestHost> StartAsync(LoopBackendKind backend, ZokioDashboardOptions? options, CapturingLoggerProvider? logs = null)
    {
        WebApplicationBuilder builder = TestHost.CreateZokioBuilder(backend);
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        WebApplication app = builder.Build();
        app.UseForwardedHeaders(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor });
        app.MapZokioDashboard("/zokio", options);
        return await TestHost.StartAsync(app);
    }

    /// <summary>The status of a GET of <paramref name="path"/>, read from the headers (the event stream never ends).</summary>
    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, string path, string? forwardedFor, string? host = null)
    {
        using HttpRequestMessage request = new(HttpMethod.Get, path);
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        if (host is not null)
        {
            request.Headers.Host = host;
        }

        using HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return response.StatusCode;
    }
}
