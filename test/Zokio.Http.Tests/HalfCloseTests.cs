using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Zokio.Runtime.Loops;

namespace Zokio.Http.Tests;

/// <summary>
/// A client that sends a whole request and then shuts down its sending side (half-close). Kestrel treats the FIN as the
/// client going away and ends the connection; Zokio reads the FIN together with the request and tells Kestrel before
/// the request runs, as the Sockets transport usually manages to, so the request goes unanswered. What must never
/// happen is what io_uring used to do: start answering and cut the response short, ending with a clean FIN.
/// </summary>
/// <remarks>
/// Not every request goes unanswered, on any transport: Kestrel may pick up the request on the thread pool before it
/// has registered for the connection's end (the Sockets transport answered 1 such request in 5 in the same test).
/// A FIN that arrives while a response is being written ends it early on every transport: that is Kestrel's handling
/// of a client that closes, not a transport's.
/// </remarks>
public class HalfCloseTests
{
    private const int AttemptsWithRequestAndFinTogether = 40;

    // TCP_CORK and TCP_INFO (tcp(7)), and the offset of tcpi_segs_out in struct tcp_info (Linux 4.2+).
    private const int TcpCork = 3;
    private const int TcpInfo = 11;
    private const int SegmentsOutOffset = 136;


    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_request_followed_by_the_clients_FIN_is_never_answered(LoopBackendKind backend)
    {
        WebApplication app = TestHost.CreateZokioBuilder(backend, configure: o => o.LoopCount = 1).Build();
        app.MapGet("/plaintext", () => Results.Text("Hello, World!"));
        app.MapPost("/echo", async (HttpContext context) =>
        {
            context.Response.ContentType = "application/octet-stream";
            await context.Request.Body.CopyToAsync(context.Response.Body);
        });
        await using TestHost host = await TestHost.StartAsync(app);
        IPEndPoint endPoint = new(IPAddress.Loopback, host.BaseAddress.Port);
        byte[] body = new byte[1000];
        Random.Shared.NextBytes(body);

        int together = 0;
        for (int attempt = 0; together < AttemptsWithRequestAndFinTogether; attempt++)
        {
            Assert.True(attempt < 2 * AttemptsWithRequestAndFinTogether, $"Only {together} of {attempt} attempts sent the request and the FIN in one segment: the kernel split them too often for this test.");
            using Socket socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(endPoint);
            // TCP_CORK holds the request back until the FIN flushes it: request and FIN leave in one segment, so the
            // server reads both together. (Sent separately, the FIN may come after the server has answered, on the
            // Sockets transport too: it answered 1 request in 5 that way in the same test.)
            // Set raw: SetSocketOption maps its enum, and (SocketOptionName)3 there is TcpKeepAliveTime, not TCP_CORK.
            socket.SetRawSocketOption((int)SocketOptionLevel.Tcp, TcpCork, BitConverter.GetBytes(1));
            byte[] request = attempt % 2 == 0
                ? Encoding.ASCII.GetBytes("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n")
                : [.. Encoding.ASCII.GetBytes($"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {body.Length}\r\n\r\n"), .. body];
            uint segmentsBefore = SegmentsSent(socket);
            socket.Send(request);
            socket.Shutdown(SocketShutdown.Send);
            if (SegmentsSent(socket) - segmentsBefore != 1)
            {
                // More than one segment: the request and the FIN may have left apart after all, which this test is not
                // about (the cork's 200 ms ceiling passed on a preempted test thread; or, 5 times in a loop of 3,000
                // against a server reading concurrently, the kernel's own doing). Such an attempt was answered and cut
                // short twice in full test runs, the FIN read after the request, as on any transport.
                continue;
            }

            together++;
            using MemoryStream received = new();
            byte[] buffer = new byte[65536];
            try
            {
                int n;
                while ((n = await socket.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(TestHost.Timeout)) > 0)
                {
                    received.Write(buffer, 0, n);
                }
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
            {
            }

            Assert.True(received.Length == 0 || IsCompleteResponse(received.ToArray()), $"Attempt {attempt}: a truncated response ended with a clean FIN: {Encoding.ASCII.GetString(received.ToArray())}");
        }
    }

    /// <summary>Segments this socket has sent so far (tcpi_segs_out), so a test can tell one segment from two.</summary>
    private static uint SegmentsSent(Socket socket)
    {
        byte[] info = new byte[256];
        int length = socket.GetRawSocketOption((int)SocketOptionLevel.Tcp, TcpInfo, info);
        Assert.True(length >= SegmentsOutOffset + sizeof(uint), $"TCP_INFO returned {length} bytes, too few for tcpi_segs_out.");
        return BinaryPrimitives.ReadUInt32LittleEndian(info.AsSpan(SegmentsOutOffset));
    }

    /// <summary>A whole HTTP/1.1 response: its headers and as many body bytes as Content-Length says, or a whole chunked body.</summary>
    private static bool IsCompleteResponse(byte[] response)
    {
        string text = Encoding.Latin1.GetString(response);
        int headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (headerEnd < 0)
        {
            return false;
        }

        string headers = text[..headerEnd];
        int lengthAt = headers.IndexOf("Content-Length: ", StringComparison.OrdinalIgnoreCase);
        if (lengthAt >= 0)
        {
            int lineEnd = headers.IndexOf('\r', lengthAt);
            int length = int.Parse(lineEnd < 0 ? headers[(lengthAt + 16)..] : headers[(lengthAt + 16)..lineEnd]);
            return response.Length == headerEnd + 4 + length;
        }

        return text.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal);
    }
}
