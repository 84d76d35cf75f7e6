using System.Net.WebSockets;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Zokio.Http.Tests.Server.Applications;

/// <summary>The test app's minimal APIs: binding, <see cref="Results"/>, bodies in and out, cookies, forms, a WebSocket echo.</summary>
internal static class MinimalApiEndpoints
{
    public const string Text = "plain text, ünïcödé";
    public const int LargeLength = 1024 * 1024;
    public const int ChunkCount = 20;

    /// <summary>Text the compression tests compress: long and repetitive, so it shrinks.</summary>
    public static readonly string Compressible = string.Concat(Enumerable.Range(0, 4000).Select(i => $"line {i % 50}: the quick brown fox\n"));

    public static readonly byte[] Bytes = [.. Enumerable.Range(0, 300).Select(i => (byte)(i * 7))];

    public record Item(int Id, string Name, bool Details);

    public record NewItem(string Name, int Quantity);

    /// <summary>Holds the streamed response after its first chunk until the client says it has that chunk.</summary>
    public sealed class StreamGate
    {
        private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Opened => _opened.Task;

        public void Open() => _opened.TrySetResult();
    }

    /// <summary>Byte <paramref name="index"/> of the large response: varies so a misplaced block shows.</summary>
    public static byte LargeByte(int index) => (byte)(index % 251);

    public static void Map(WebApplication app)
    {
        RouteGroupBuilder api = app.MapGroup("/api");
        api.MapGet("/items/{id:int}", (int id, bool? details) => Results.Ok(new Item(id, $"item {id}", details ?? false)));
        api.MapPost("/items", (NewItem item) => Results.Created($"/api/items/{item.Quantity}", new Item(item.Quantity, item.Name, false)));
        api.MapGet("/sum", (int a, int b) => a + b);
        api.MapGet("/json", () => Results.Json(new { kind = "json", values = new[] { 1, 2, 3 } }, statusCode: StatusCodes.Status202Accepted));
        api.MapGet("/text", () => Results.Text(Text, "text/plain; charset=utf-8"));
        api.MapGet("/bytes", () => Results.Bytes(Bytes, "application/x-test-bytes"));
        api.MapGet("/stream", () => Results.Stream(new MemoryStream(Encoding.UTF8.GetBytes(Text)), "text/x-stream"));
        api.MapGet("/file", () => Results.File(Encoding.UTF8.GetBytes("id,name\n1,one\n"), "text/csv", "report.csv"));
        api.MapGet("/redirect", () => Results.Redirect("/api/text"));
        api.MapGet("/missing", () => Results.NotFound());
        api.MapGet("/problem", () => Results.Problem(detail: "the item is locked", statusCode: StatusCodes.Status409Conflict, title: "Conflict"));
        api.MapPost("/validate", (NewItem item) => item.Quantity is >= 1 and <= 100
            ? Results.Ok(item)
            : Results.ValidationProblem(new Dictionary<string, string[]> { ["Quantity"] = [$"{item.Quantity} is not between 1 and 100."] }));
        api.MapGet("/status/{code:int}", (int code) => Results.StatusCode(code));
        api.MapGet("/headers", (HttpContext context) =>
        {
            context.Response.Headers["X-Echo"] = context.Request.Headers["X-Echo"];
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers.Append("X-Multi", new[] { "one", "two" });
            return Results.Text($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
        });
        api.MapGet("/chunked", async (HttpContext context, StreamGate gate) =>
        {
            context.Response.ContentType = "text/plain";
            for (int i = 0; i < ChunkCount; i++)
            {
                await context.Response.WriteAsync($"chunk {i}\n", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                if (i == 0)
                {
                    // The rest waits until the client has received the first chunk: a flush must send.
                    await gate.Opened.WaitAsync(context.RequestAborted);
                }
            }
        });
        api.MapPost("/chunked/open", (StreamGate gate) => gate.Open());
        api.MapGet("/large", async (HttpContext context) =>
        {
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength = LargeLength;
            byte[] block = new byte[16 * 1024];
            for (int offset = 0; offset < LargeLength; offset += block.Length)
            {
                for (int i = 0; i < block.Length; i++)
                {
                    block[i] = LargeByte(offset + i);
                }

                await context.Response.Body.WriteAsync(block, context.RequestAborted);
            }
        });
        api.MapGet("/compressible", () => Results.Text(Compressible, "text/plain"));
        api.MapPost("/echo", async (HttpContext context) =>
        {
            // What framed the request body, for the tests that send it chunked.
            context.Response.Headers["X-Request-Transfer-Encoding"] = context.Request.Headers.TransferEncoding;
            context.Response.Headers["X-Request-Content-Length"] = context.Request.ContentLength?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none";
            context.Response.ContentType = context.Request.ContentType ?? "application/octet-stream";
            await context.Request.Body.CopyToAsync(context.Response.Body, context.RequestAborted);
        });
        api.MapMethods("/head", [HttpMethods.Get, HttpMethods.Head], (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain";
            context.Response.ContentLength = 11;
            return context.Response.WriteAsync("hello, head");
        });
        api.MapGet("/connection", (HttpContext context) => context.Connection.Id);
        api.MapGet("/throw", string () => throw new InvalidOperationException("the app failed before answering"));
        api.MapGet("/throw-after-start", async (HttpContext context) =>
        {
            context.Response.ContentLength = 100;
            await context.Response.WriteAsync("the first half", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            throw new InvalidOperationException("the app failed halfway through its response");
        });
        api.MapPost("/form", async (HttpContext context) =>
        {
            IFormCollection form = await context.Request.ReadFormAsync(context.RequestAborted);
            return Results.Ok(form.OrderBy(field => field.Key, StringComparer.Ordinal).ToDictionary(field => field.Key, field => field.Value.ToString()));
        });
        api.MapPost("/cookies", (HttpContext context, [FromQuery] string value) =>
        {
            context.Response.Cookies.Append("session", value, new CookieOptions { HttpOnly = true, Path = "/api" });
            return Results.NoContent();
        });
        api.MapGet("/cookies", (HttpContext context) => context.Request.Cookies["session"] ?? "none");
        api.MapGet("/me", (ClaimsPrincipal user) => user.Identity!.Name).RequireAuthorization();
        api.MapGet("/admin", (ClaimsPrincipal user) => $"admin {user.Identity!.Name}").RequireAuthorization(TestApplication.AdminPolicy);
        app.Map("/ws", EchoWebSocketAsync);
    }

    /// <summary>Sends every message back as it came (text or binary, in its frames), until the client closes.</summary>
    private static async Task EchoWebSocketAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using WebSocket socket = await context.WebSockets.AcceptWebSocketAsync();
        byte[] buffer = new byte[8192];
        while (true)
        {
            ValueWebSocketReceiveResult received = await socket.ReceiveAsync(buffer.AsMemory(), context.RequestAborted);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", context.RequestAborted);
                return;
            }

            await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, context.RequestAborted);
        }
    }
}
