using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Zokio.Http;
using Zokio.Runtime.Loops;
using Zokio.Samples.WebApi;
using Zokio.Samples.WebApi.Services;
using Zokio.Samples.WebApi.TechEmpower;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);

// The one line that puts Kestrel on Zokio's event loops. Endpoints still come from Kestrel's own configuration
// (appsettings.json: Kestrel:Endpoints); options from the "Zokio" section (--Zokio:Enabled=false serves with Sockets,
// --Zokio:Server=Zokio with Zokio's own HTTP/1.1 server).
builder.WebHost.UseZokio();

builder.Services.AddGrpc();
// TechEmpower's database tests, only when ConnectionStrings:Db is set (bench/db/setup.sh prints one).
builder.AddTechEmpowerDatabase();

// Operating it (issue 12): /healthz for Kubernetes probes; the live dashboard at /zokio, mapped below.
builder.Services.AddHealthChecks();

WebApplication app = builder.Build();

app.UseWebSockets();

// TechEmpower's plaintext and JSON tests.
app.MapGet("/plaintext", () => Results.Text("Hello, World!"u8.ToArray(), "text/plain"));
// Serialized to bytes first so the response carries Content-Length, as TechEmpower's JSON test expects.
app.MapGet("/json", () => Results.Bytes(JsonSerializer.SerializeToUtf8Bytes(new JsonMessage("Hello, World!"), SampleJsonContext.Default.JsonMessage), "application/json"));

// Streams the request body back with the request's content type.
app.MapPost("/echo", static async (HttpContext context) =>
{
    context.Response.ContentType = context.Request.ContentType ?? "application/octet-stream";
    await context.Request.Body.CopyToAsync(context.Response.Body, context.RequestAborted);
});

app.MapWebSocketEcho("/ws");

app.MapUpload();
app.MapTechEmpowerDatabase();

app.MapGrpcService<GreeterService>();
app.MapFiles();

// Operating it (issue 12): health checks for probes, and Zokio's live dashboard, an admin page, which answers clients
// on this machine only (anyone else gets 404 as if it did not exist).
app.MapHealthChecks("/healthz");
app.MapZokioDashboard("/zokio");

try
{
    await app.StartAsync();
}
catch (OptionsValidationException)
{
    // An invalid option (--Zokio:Backend=Foo): the host has logged the message naming the option and its valid values;
    // an unhandled exception would only print it again with a stack trace. The console logger writes from its own
    // thread: dispose the app so it flushes that line before the process exits (without, the line was lost at times).
    await app.DisposeAsync();
    return 1;
}

ICollection<string> addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
// The loops know the backend in use: what Backend=Auto chose (the Zokio.Runtime log line above says why).
ZokioOptions zokio = app.Services.GetRequiredService<IOptions<ZokioOptions>>().Value;
string transport = app.Services.GetZokioLoops() is EventLoopGroup loops
    ? $"{(zokio.Server == ZokioServerKind.Zokio ? "Zokio's server" : "Kestrel on Zokio")} ({loops.Backend}, {loops.Loops.Count} loop(s), {loops.Options.ApplicationScheduling} scheduling)"
    : zokio.Enabled
        ? "Kestrel's Sockets transport (Zokio has no backend on this OS)"
        : "Kestrel's Sockets transport (Zokio disabled)";
SampleLog.Listening(app.Logger, string.Join(", ", addresses), transport);

await app.WaitForShutdownAsync();
return 0;
