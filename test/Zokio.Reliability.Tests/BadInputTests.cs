using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Zokio.Reliability.Tests;

/// <summary>
/// Malformed and hostile input: the server answers exactly as Kestrel on Sockets does (the Sockets rows prove each
/// expectation) and keeps serving the connections that behave.
/// </summary>
public class BadInputTests
{
    private static readonly Dictionary<string, (string Request, int Status)> s_http1 = new()
    {
        // 1 KiB from a seeded generator: no request line at all, the same bytes on every run.
        ["binary garbage"] = (Encoding.Latin1.GetString(Garbage(1024)), 400),
        // Twice Kestrel's default MaxRequestHeadersTotalSize (32 KiB).
        ["64 KiB header"] = ($"GET / HTTP/1.1\r\nHost: test\r\nX-Big: {new string('a', 64 * 1024)}\r\n\r\n", 431),
        ["NUL in a header value"] = ("GET / HTTP/1.1\r\nHost: test\r\nX-Nul: a\0b\r\n\r\n", 400),
        // Line folding (obs-fold) is deprecated by RFC 9112 and rejected by Kestrel.
        ["obs-fold"] = ("GET / HTTP/1.1\r\nHost: test\r\nX-Folded: a\r\n b\r\n\r\n", 400),
        ["duplicate Content-Length"] = ("POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", 400),
        // RFC 9112, section 6.3: chunked wins over Content-Length, and the connection must close after the response.
        ["Content-Length with Transfer-Encoding"] = ("POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 200),
    };

    public static TheoryData<ServerTransport, string> Http1Cases
    {
        get
        {
            TheoryData<ServerTransport, string> data = [];
            foreach (ServerTransport transport in Transports.WithSockets)
            {
                foreach (string name in s_http1.Keys)
                {
                    data.Add(transport, name);
                }
            }

            return data;
        }
    }

    [Theory, MemberData(nameof(Http1Cases))]
    public async Task Malformed_http1_request_gets_the_status_Sockets_gives_and_others_are_still_served(ServerTransport transport, string name)
    {
        (string request, int expectedStatus) = s_http1[name];
        await using ReliabilityHost host = await StartAsync(transport, HttpProtocols.Http1);
        using CancellationTokenSource timeout = new(ReliabilityHost.Timeout);
        using RawConnection bystander = await RawConnection.ConnectAsync(host.Port, timeout.Token);
        await AssertServedAsync(bystander, timeout.Token);

        using (RawConnection attacker = await RawConnection.ConnectAsync(host.Port, timeout.Token))
        {
            await attacker.SendAsync(request, timeout.Token);
            Http1Response response = await attacker.ReadResponseAsync(timeout.Token);
            Assert.Equal(expectedStatus, response.StatusCode);
            Assert.True(response.ConnectionClose, "The response to a malformed or ambiguous request must say Connection: close.");
            // The connection ends after the response (a reset when unread input was left behind, as Sockets does).
            await attacker.ReadToEndAsync(timeout.Token);
        }

        await AssertServedAsync(bystander, timeout.Token);
        using RawConnection newcomer = await RawConnection.ConnectAsync(host.Port, timeout.Token);
        await AssertServedAsync(newcomer, timeout.Token);
    }

    [Theory, MemberData(nameof(Transports.WithSockets), MemberType = typeof(Transports))]
    public async Task Http2_garbage_after_the_preface_gets_GOAWAY_FRAME_SIZE_ERROR_and_others_are_still_served(ServerTransport transport)
    {
        await using ReliabilityHost host = await StartAsync(transport, HttpProtocols.Http2);
        using CancellationTokenSource timeout = new(ReliabilityHost.Timeout);
        using RawConnection connection = await RawConnection.ConnectAsync(host.Port, timeout.Token);

        // Read as a frame header, "Thi" is a 5,531,753-byte frame: far over the 16 KiB SETTINGS_MAX_FRAME_SIZE.
        byte[] garbage = [.. Http2Frames.PrefaceAndSettings(), .. Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("This is not an HTTP/2 frame. ", 8)))];
        await connection.SendAsync(garbage, timeout.Token);
        Http2Frame goAway = await ReadUntilGoAwayAsync(connection, timeout.Token);

        Assert.Equal(Http2ErrorCode.FrameSizeError, goAway.ErrorCode);
        await connection.ReadToEndAsync(timeout.Token);
        await AssertHttp2ServedAsync(host);
    }

    [Theory, MemberData(nameof(Transports.WithSockets), MemberType = typeof(Transports))]
    public async Task Http2_ten_thousand_streams_opened_and_reset_end_the_connection_as_on_Sockets_and_others_are_still_served(ServerTransport transport)
    {
        await using ReliabilityHost host = await StartAsync(transport, HttpProtocols.Http2);
        using CancellationTokenSource timeout = new(ReliabilityHost.Timeout);
        using RawConnection connection = await RawConnection.ConnectAsync(host.Port, timeout.Token);
        Task<string> outcome = await StartHttp2Async(connection, timeout.Token);

        // The "rapid reset" pattern (CVE-2023-44487): each stream starts a request whose handler waits, then is cancelled.
        const int Streams = 10_000;
        for (int batch = 0; batch < Streams; batch += 100)
        {
            List<byte> frames = [];
            for (int i = batch; i < batch + 100; i++)
            {
                int streamId = (2 * i) + 1;
                frames.AddRange(Http2Frames.GetRequest(streamId, "/wait"));
                frames.AddRange(Http2Frames.ResetStream(streamId, Http2ErrorCode.Cancel));
            }

            if (!await TrySendAsync(connection, [.. frames], timeout.Token))
            {
                break;
            }
        }

        await TrySendAsync(connection, Http2Frames.PingFrame(42), timeout.Token);

        // Kestrel ends the connection: ENHANCE_YOUR_CALM for too many resets, or "HTTP/2 connection exceeded the output
        // operations maximum queue size" (INTERNAL_ERROR, or no GOAWAY when the abort wins). Which one comes first is a
        // race on Sockets too; each was seen there, and the connection never goes on as if nothing happened.
        string[] endings = ["closed without GOAWAY", $"GOAWAY {Http2ErrorCode.InternalError}", $"GOAWAY {Http2ErrorCode.EnhanceYourCalm}"];
        Assert.Contains(await outcome, endings);
        await AssertHttp2ServedAsync(host);
    }

    [Theory, MemberData(nameof(Transports.WithSockets), MemberType = typeof(Transports))]
    public async Task Http2_SETTINGS_flood_is_acknowledged_as_on_Sockets_and_others_are_still_served(ServerTransport transport)
    {
        await using ReliabilityHost host = await StartAsync(transport, HttpProtocols.Http2);
        using CancellationTokenSource timeout = new(ReliabilityHost.Timeout);
        using RawConnection connection = await RawConnection.ConnectAsync(host.Port, timeout.Token);
        Task<string> outcome = await StartHttp2Async(connection, timeout.Token);

        const int Frames = 100_000;
        byte[] settings = Http2Frames.Frame(Http2Frames.Settings, 0, 0, []);
        byte[] batch = [.. Enumerable.Repeat(settings, 1000).SelectMany(frame => frame)];
        for (int sent = 0; sent < Frames && await TrySendAsync(connection, batch, timeout.Token); sent += 1000)
        {
        }

        await TrySendAsync(connection, Http2Frames.PingFrame(42), timeout.Token);

        Assert.Equal("PING acknowledged", await outcome);
        await AssertHttp2ServedAsync(host);
    }

    private static async Task<ReliabilityHost> StartAsync(ServerTransport transport, HttpProtocols protocols)
    {
        WebApplication app = ReliabilityHost.CreateBuilder(transport, protocols: protocols).Build();
        app.MapGet("/", () => "served");
        app.MapPost("/", static async (HttpContext context) =>
        {
            long length = 0;
            byte[] buffer = new byte[4096];
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                length += read;
            }

            return length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        });
        // Holds its stream open until the client resets it.
        app.MapGet("/wait", static async (HttpContext context) =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
        });
        return await ReliabilityHost.StartAsync(app);
    }

    private static async Task AssertServedAsync(RawConnection connection, CancellationToken cancellationToken)
    {
        await connection.SendAsync("GET / HTTP/1.1\r\nHost: test\r\n\r\n", cancellationToken);
        Http1Response response = await connection.ReadResponseAsync(cancellationToken);
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("served", response.BodyText);
    }

    private static async Task AssertHttp2ServedAsync(ReliabilityHost host)
    {
        using HttpClient client = new()
        {
            BaseAddress = host.BaseAddress,
            Timeout = ReliabilityHost.Timeout,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        Assert.Equal("served", await client.GetStringAsync("/"));
    }

    /// <summary>Sends the HTTP/2 preface and SETTINGS, and starts reading the connection's outcome (<see cref="ReadOutcomeAsync"/>).</summary>
    private static async Task<Task<string>> StartHttp2Async(RawConnection connection, CancellationToken cancellationToken)
    {
        await connection.SendAsync(Http2Frames.PrefaceAndSettings(), cancellationToken);
        return ReadOutcomeAsync(connection, cancellationToken);
    }

    /// <summary>Reads frames until the server's PING ACK, its GOAWAY or the end of the connection, and says which came.</summary>
    private static async Task<string> ReadOutcomeAsync(RawConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                Http2Frame frame = await connection.ReadFrameAsync(cancellationToken);
                if (frame.Type == Http2Frames.Ping && frame.IsAck)
                {
                    return "PING acknowledged";
                }

                if (frame.Type == Http2Frames.GoAway)
                {
                    return $"GOAWAY {frame.ErrorCode}";
                }
            }
        }
        catch (Exception ex) when (ex is EndOfStreamException || ex is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionReset })
        {
            // FIN or reset depends on whether the client's flood was still arriving when the server closed, on Sockets too.
            return "closed without GOAWAY";
        }
    }

    private static async Task<Http2Frame> ReadUntilGoAwayAsync(RawConnection connection, CancellationToken cancellationToken)
    {
        while (true)
        {
            Http2Frame frame = await connection.ReadFrameAsync(cancellationToken);
            if (frame.Type == Http2Frames.GoAway)
            {
                return frame;
            }
        }
    }

    /// <summary>Sends, or returns false once the server has closed the connection (it may end a hostile one).</summary>
    private static async Task<bool> TrySendAsync(RawConnection connection, byte[] data, CancellationToken cancellationToken)
    {
        try
        {
            await connection.SendAsync(data, cancellationToken);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    private static byte[] Garbage(int length)
    {
        byte[] bytes = new byte[length];
        new Random(20240607).NextBytes(bytes);
        return bytes;
    }
}
