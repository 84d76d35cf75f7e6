using System.Net;
using System.Net.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Zokio.Runtime.Loops;

namespace Zokio.Transport.Tests;

public class HttpTests
{
    public static TheoryData<LoopBackendKind> Backends => new() { LoopBackendKind.IoUring, LoopBackendKind.Epoll };

    private static void MapBasics(WebApplication app)
    {
        app.MapGet("/plaintext", () => "Hello, World!");
        app.MapPost("/echo", async (HttpContext ctx) =>
        {
            ctx.Response.ContentType = "application/octet-stream";
            await ctx.Request.Body.CopyToAsync(ctx.Response.Body);
        });
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Http1_get_is_served_through_zokio(LoopBackendKind backend)
    {
        await using TestHost host = await TestHost.StartAsync(backend, MapBasics);
        using HttpClient client = new() { BaseAddress = host.BaseAddress };
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal("Hello, World!", await client.GetStringAsync("/plaintext"));
        }

        Assert.True(host.Loops.Loops.Sum(l => l.Counters.ConnectionsAccepted) >= 1);
        Assert.Equal(backend, host.Loops.Backend);
    }
}
