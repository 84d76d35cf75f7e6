using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Zokio.Runtime.Loops;

namespace Zokio.Http.Tests.Server;

/// <summary>
/// On a warm keep-alive connection, a request through Zokio's server and the ASP.NET Core host allocates nothing: the
/// connection is the request's feature collection and is reset, the host's HttpContext is reused, the request's
/// strings are reused while the client repeats them, and the response goes straight into the connection's output.
/// The app here allocates nothing itself, so whatever is allocated is the server's (or the host's).
/// </summary>
public sealed class ServerAllocationTests
{
    private static readonly byte[] Hello = "Hello, World!"u8.ToArray();

    public static TheoryData<LoopBackendKind, string> Cases => Backends.With("plaintext", "json", "chunked", "post", "headers");

    [Theory, MemberData(nameof(Cases))]
    public async Task A_request_on_a_warm_connection_allocates_nothing(LoopBackendKind backend, string scenario)
    {
        WebApplicationBuilder builder = TestHost.CreateZokioBuilder(backend, args: ["--Zokio:Server=Zokio"]);
        WebApplication app = builder.Build();
        app.Run(scenario switch
        {
            "plaintext" => Plaintext,
            "json" => Json,
            "chunked" => Chunked,
            "headers" => Headers,
            _ => Post,
        });
        await using TestHost host = await TestHost.StartAsync(app);
        using Socket client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        // Connected synchronously, the socket stays blocking: its sync calls then allocate nothing (after ConnectAsync
        // they go through the async engine, which allocates per call).
        client.Connect(new IPEndPoint(IPAddress.Loopback, host.BaseAddress.Port));
        byte[] request = Encoding.ASCII.GetBytes(scenario switch
        {
            "post" => "POST /echo HTTP/1.1\r\nHost: localhost:8080\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!",
            // A browser's request: common known headers, and unknown ones (tracing, a framework's marker).
            "headers" => "GET /headers HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0\r\n"
                + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Encoding: gzip, deflate, br, zstd\r\nAccept-Language: en-US,en;q=0.5\r\n"
                + "Cookie: session=5f2b8c; theme=dark\r\ntraceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\nX-Requested-With: XMLHttpRequest\r\n"
                + "Connection: keep-alive\r\n\r\n",
            _ => $"GET /{scenario} HTTP/1.1\r\nHost: localhost:8080\r\nAccept: text/plain,*/*;q=0.7\r\nConnection: keep-alive\r\n\r\n",
        });

        const int Warmup = 2000, Measured = 5000;
        long allocated = long.MaxValue;
        Thread driver = new(() =>
        {
            var buffer = new byte[4096];
            int responseLength = RoundTrip(client, request, buffer, expected: 0);
            for (int i = 0; i < Warmup; i++)
            {
                RoundTrip(client, request, buffer, responseLength);
            }

            // Process-wide and precise (loop threads, thread pool, this thread): the least of three windows is the
            // server's own cost, since an allocation per request would show in every one.
            for (int window = 0; window < 3; window++)
            {
                long before = GC.GetTotalAllocatedBytes(precise: true);
                for (int i = 0; i < Measured; i++)
                {
                    RoundTrip(client, request, buffer, responseLength);
                }

                allocated = Math.Min(allocated, GC.GetTotalAllocatedBytes(precise: true) - before);
            }
        });
        driver.Start();
        await Task.Run(driver.Join).WaitAsync(TimeSpan.FromSeconds(120));

        // Zero per request; a little slack for what the runtime allocates in the background (timers, tiering).
        Assert.True(allocated < Measured, $"{allocated} bytes allocated over {Measured} requests ({(double)allocated / Measured:F1} per request).");
    }

    /// <summary>Sends the request and reads one whole response; returns its length (the same every time after the first).</summary>
    private static int RoundTrip(Socket client, byte[] request, byte[] buffer, int expected)
    {
        client.Send(request);
        int received = 0;
        while (expected == 0 ? !IsComplete(buffer.AsSpan(0, received)) : received < expected)
        {
            int read = client.Receive(buffer, received, buffer.Length - received, SocketFlags.None);
            if (read == 0)
            {
                throw new IOException("The server closed the connection.");
            }

            received += read;
        }

        if (expected == 0)
        {
            Assert.StartsWith("HTTP/1.1 200 OK", Encoding.ASCII.GetString(buffer, 0, received));
        }

        return received;
    }

    /// <summary>A whole response: a head, then a Content-Length body or the last chunk.</summary>
    private static bool IsComplete(ReadOnlySpan<byte> bytes)
    {
        int headEnd = bytes.IndexOf("\r\n\r\n"u8);
        if (headEnd < 0)
        {
            return false;
        }

        string head = Encoding.ASCII.GetString(bytes[..headEnd]);
        int at = head.IndexOf("Content-Length: ", StringComparison.OrdinalIgnoreCase);
        if (at >= 0)
        {
            int length = int.Parse(head.AsSpan(at + 16, head.IndexOf('\r', at) < 0 ? head.Length - at - 16 : head.IndexOf('\r', at) - at - 16));
            return bytes.Length >= headEnd + 4 + length;
        }

        return bytes.EndsWith("0\r\n\r\n"u8);
    }

    private static Task Plaintext(HttpContext context)
    {
        context.Response.ContentType = "text/plain";
        context.Response.ContentLength = Hello.Length;
        return Completed(context.Response.BodyWriter.WriteAsync(Hello));
    }

    private static Task Json(HttpContext context)
    {
        context.Response.ContentType = "application/json";
        Utf8JsonWriter writer = JsonWriter.Value ??= new Utf8JsonWriter(context.Response.BodyWriter);
        writer.Reset(context.Response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("message"u8, "Hello, World!"u8);
        writer.WriteEndObject();
        writer.Flush();
        return Task.CompletedTask;
    }

    /// <summary>Looks up request headers as hosting and middleware do, and sets common response headers, known and not.</summary>
    private static Task Headers(HttpContext context)
    {
        IHeaderDictionary request = context.Request.Headers;
        if (request.Host.Count != 1 || request.ContentType.Count != 0 || request["traceparent"].Count != 1
            || !request.ContainsKey("x-requested-with") || request.ContainsKey("X-Forwarded-For") || request.ContentLength is not null)
        {
            throw new InvalidOperationException("The request headers are not those sent.");
        }

        HttpResponse response = context.Response;
        response.ContentType = "text/plain";
        response.Headers.CacheControl = "no-cache";
        response.Headers.Vary = "Accept-Encoding";
        response.Headers["X-Frame-Options"] = "DENY";
        response.ContentLength = Hello.Length;
        return Completed(response.BodyWriter.WriteAsync(Hello));
    }

    private static Task Chunked(HttpContext context)
    {
        context.Response.ContentType = "text/plain";
        return Completed(context.Response.BodyWriter.WriteAsync(Hello));
    }

    private static async Task Post(HttpContext context)
    {
        var reader = context.Request.BodyReader;
        while (true)
        {
            System.IO.Pipelines.ReadResult result = await reader.ReadAsync();
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        context.Response.ContentLength = Hello.Length;
        await context.Response.BodyWriter.WriteAsync(Hello);
    }

    private static Task Completed(ValueTask<System.IO.Pipelines.FlushResult> flush) => flush.IsCompletedSuccessfully ? Task.CompletedTask : flush.AsTask();

    private static readonly ThreadLocal<Utf8JsonWriter?> JsonWriter = new();
}
