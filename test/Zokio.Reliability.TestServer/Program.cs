using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Zokio.Http;
using Zokio.Http.Tests;
using Zokio.Reliability.TestServer;
using Zokio.Runtime.Loops;

// Zokio's options come from the command line as an operator passes them (--Zokio:Backend=IoUring, --Zokio:Enabled=false
// for Kestrel's Sockets transport), plus --deny-syscall=NAME to run under a seccomp filter refusing that syscall with
// EPERM, or with the errno --deny-errno=ENOSYS names.
//
// Talks to the test through lines: on stdout "listening PORT" once serving, "block-started on-loop=BOOL" when GET /block
// starts, "handoffs=N" whenever zokio.loop.handoffs changes, "starved" once every thread-pool thread is blocked, and the
// log; on stdin "release" lets one blocked GET /block return, "starve" blocks every thread-pool thread (and keeps the
// pool from adding any) until "feed", "stop" (or the end of stdin) stops the host.
string? denied = args.FirstOrDefault(a => a.StartsWith("--deny-syscall=", StringComparison.Ordinal))?["--deny-syscall=".Length..];
if (denied is not null)
{
    // Before the host starts any thread of its own; TSYNC covers the runtime's threads that already run.
    string errno = args.FirstOrDefault(a => a.StartsWith("--deny-errno=", StringComparison.Ordinal))?["--deny-errno=".Length..] ?? "EPERM";
    SeccompFilter.Deny(denied, errno);
    Console.WriteLine($"seccomp denies {denied} with {errno}");
}

WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("Zokio", LogLevel.Information);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
builder.WebHost.UseZokio();

WebApplication app = builder.Build();
using SemaphoreSlim release = new(0);
ThreadPoolStarvation starvation = new();
using ZokioMeterReader meter = new();

app.MapGet("/fast/{id}", (string id) => id);
app.MapGet("/block", () =>
{
    Console.WriteLine($"block-started on-loop={EventLoop.Current is not null}");
    // Blocks the thread in the kernel, as Thread.Sleep would (the stall detector only hands off a sleeping thread),
    // for as long as the test's scenario needs and never past its own timeout.
    return release.Wait(TimeSpan.FromSeconds(60)) ? "blocked" : "never released";
});
app.MapGet("/big/{mebibytes:int}", static async (HttpContext context, int mebibytes) =>
{
    long length = mebibytes * (long)BodyPattern.MiB;
    context.Response.ContentLength = length;
    byte[] chunk = new byte[BodyPattern.ChunkSize];
    for (long offset = 0; offset < length; offset += chunk.Length)
    {
        BodyPattern.Fill(chunk, offset);
        await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
    }
});

await app.StartAsync();
string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
Console.WriteLine($"listening {new Uri(address).Port}");

Thread commands = new(() =>
{
    while (Console.ReadLine() is { } line && line != "stop")
    {
        if (line == "release")
        {
            release.Release();
        }
        else if (line == "starve")
        {
            starvation.Start();
            Console.WriteLine("starved");
        }
        else if (line == "feed")
        {
            starvation.End();
        }
    }

    app.Lifetime.StopApplication();
})
{
    IsBackground = true,
    Name = "commands",
};
commands.Start();

// Reports every change of zokio.loop.handoffs as it happens, so the test can wait for a hand-off without a request
// (a request may be exactly what a broken hand-off leaves unanswered).
Thread handOffs = new(() =>
{
    long reported = 0;
    while (!app.Lifetime.ApplicationStopping.IsCancellationRequested)
    {
        long now = meter.Read(ZokioMeterReader.LoopHandOffs);
        if (now != reported)
        {
            reported = now;
            Console.WriteLine($"handoffs={now}");
        }

        app.Lifetime.ApplicationStopping.WaitHandle.WaitOne(10);
    }
})
{
    IsBackground = true,
    Name = "hand-off reporter",
};
handOffs.Start();

await app.WaitForShutdownAsync();
return 0;
