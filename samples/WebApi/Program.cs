using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Zokio.Http;
using Zokio.Samples.WebApi;
using Zokio.Samples.WebApi.Services;
using Zokio.Samples.WebApi.TechEmpower;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);

// The one line that puts Kestrel on Zokio's event loops. Endpoints still come from Kestrel's own configuration
// (appsettings.json: Kestrel:Endpoints); options from the "Zokio" section (--Zokio:Enabled=false serves with Sockets).
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

// Operating it (issue 12): health checks for probes, and Zokio's live dashboard, an admin page: it answers loopback
// clients on the HTTP/1.1 endpoint only, and anyone else gets 404 as if it did not exist.
app.MapHealthChecks("/healthz");
app.MapZokioDashboard("/zokio").Add(static endpoint =>
{
    RequestDelegate dashboard = endpoint.RequestDelegate!;
    endpoint.RequestDelegate = context => context.Request.Protocol == "HTTP/1.1" && context.Connection.RemoteIpAddress is { } client && IPAddress.IsLoopback(client)
        ? dashboard(context)
        : Results.NotFound().ExecuteAsync(context);
});

await app.StartAsync();

ICollection<string> addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
ZokioOptions zokio = app.Services.GetRequiredService<IOptions<ZokioOptions>>().Value;
// The Zokio.Runtime log line above says which kernel interface the loops actually got when Backend is Auto.
string transport = zokio.Enabled && OperatingSystem.IsLinux()
    ? $"Zokio (backend {zokio.Backend}, {zokio.LoopCount} loop(s), {zokio.ApplicationScheduling} scheduling)"
    : "Kestrel's Sockets transport (Zokio disabled)";
app.Logger.LogWarning("WebApi listening on {Addresses} via {Transport}", string.Join(", ", addresses), transport);

await app.WaitForShutdownAsync();
