using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Zokio.Http.Server.Http1;

namespace Zokio.Http.Tests.Server;

/// <summary>
/// Kestrel on the Sockets transport running the echo app: the reference every HTTP/1 case is compared with. Each
/// case goes raw over a new loopback connection, followed by <see cref="EchoFormat.Probe"/> and the end of the stream;
/// the outcome is the final responses read until the server closes.
/// </summary>
public class KestrelOracle : IAsyncLifetime
{
    /// <summary>
    /// Kestrel's limits except the body size, lowered from 30 MB so that a case can cross it cheaply; the same limits
    /// go to the parser, and to the server's end-to-end runs of these cases.
    /// </summary>
    internal static readonly Http1Limits Limits = Http1Limits.Default with { MaxRequestBodySize = 64 * 1024 };

    private readonly ConcurrentDictionary<int, InputWatch> _watches = new();
    private TestHost? _host;
    private IPEndPoint? _endPoint;

    public async Task InitializeAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(Arguments);
        TestHost.ConfigureLogging(builder);
        ConfigureServer(builder);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = Limits.MaxRequestBodySize;
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Use(next => connection =>
            {
                // Watch what Kestrel reads, to know when it waits for bytes that will never come (see RunAsync).
                var watch = _watches.GetOrAdd(((IPEndPoint)connection.RemoteEndPoint!).Port, _ => new InputWatch());
                connection.Transport = new WatchedTransport(connection.Transport, watch);
                return next(connection);
            }));
        });
        WebApplication app = builder.Build();
        app.Run(EchoAsync);
        _host = await TestHost.StartAsync(app);
        _endPoint = new IPEndPoint(IPAddress.Loopback, _host.BaseAddress.Port);
    }

    /// <summary>The command line the host starts with (how an operator picks the server).</summary>
    protected virtual string[] Arguments => [];

    /// <summary>Adds to the host what the server under test needs.</summary>
    protected virtual void ConfigureServer(WebApplicationBuilder builder)
    {
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    /// <summary>
    /// Sends <paramref name="request"/> and the probe, then reads the responses until the server closes. The end of the
    /// stream is sent only once Kestrel waits for input having read every byte: ending it earlier would race Kestrel's
    /// reads (a Content-Length body whose read sees the end of the stream fails even when all its bytes are there), so
    /// the outcome would depend on timing.
    /// </summary>
    internal async Task<Http1Outcome> RunAsync(byte[] request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = new CancellationTokenSource(TestHost.Timeout);
        await socket.ConnectAsync(_endPoint!, timeout.Token);
        int port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        InputWatch watch = _watches.GetOrAdd(port, _ => new InputWatch());
        try
        {
            byte[] input = [.. request, .. EchoFormat.Probe];
            var receiver = new Receiver();
            Task<(byte[] Bytes, bool Reset)> responses = receiver.ReceiveAllAsync(socket, timeout.Token);
            try
            {
                await socket.SendAsync(input, SocketFlags.None, timeout.Token);
            }
            catch (SocketException)
            {
                // Kestrel may close before it has read everything (a rejected head); what it answered is still readable.
            }

            bool sentEnd = false;
            Task<long> waiting = watch.WaitingWithAllReadAsync(input.Length);
            if (await Task.WhenAny(responses, waiting).WaitAsync(timeout.Token) != responses)
            {
                // Kestrel drops responses still in its output when the input ends (it aborts the output), so the end
                // goes only after everything it had written has arrived.
                if (await Task.WhenAny(responses, receiver.ReceivedAsync(await waiting)).WaitAsync(timeout.Token) != responses)
                {
                    sentEnd = true;
                    try
                    {
                        socket.Shutdown(SocketShutdown.Send);
                    }
                    catch (SocketException)
                    {
                        // Closed meanwhile.
                    }
                }
            }

            (byte[] received, bool reset) = await responses.WaitAsync(timeout.Token);
            if (Environment.GetEnvironmentVariable("ZOKIO_DIFF_DEBUG") is { } dir)
            {
                File.WriteAllBytes(Path.Combine(dir, Convert.ToHexString(System.Security.Cryptography.SHA1.HashData(request))[..8] + ".txt"), received);
            }

            return new Http1Outcome(ResponseReader.Read(received)) { Trace = $"sent {input.Length} bytes, received {received.Length}{(reset ? " then a reset" : "")}, {(sentEnd ? "ended the stream after Kestrel waited with all bytes read" : "Kestrel closed first")}, {watch}" };
        }
        finally
        {
            _watches.TryRemove(port, out _);
        }
    }

    /// <summary>Reads a connection to its end, telling how many bytes have arrived so far.</summary>
    private sealed class Receiver
    {
        private readonly Lock _lock = new();
        private readonly MemoryStream _received = new();
        private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task ReceivedAsync(long bytes)
        {
            while (true)
            {
                Task progress;
                lock (_lock)
                {
                    if (_received.Length >= bytes)
                    {
                        return;
                    }

                    progress = _progress.Task;
                }

                await progress;
            }
        }

        public async Task<(byte[] Bytes, bool Reset)> ReceiveAllAsync(Socket socket, CancellationToken cancellationToken)
        {
            // Let SendAsync go first: the receive goes on on the thread pool.
            await Task.Yield();
            var buffer = new byte[16 * 1024];
            while (true)
            {
                int read;
                try
                {
                    read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
                {
                    return (_received.ToArray(), true);
                }

                if (read == 0)
                {
                    return (_received.ToArray(), false);
                }

                TaskCompletionSource progress;
                lock (_lock)
                {
                    _received.Write(buffer, 0, read);
                    progress = _progress;
                    _progress = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                progress.TrySetResult();
            }
        }
    }

    private static async Task EchoAsync(HttpContext context)
    {
        var body = new MemoryStream();
        // Reading the body is where Kestrel reports framing errors (bad chunks, too large, truncated): let them
        // propagate, so Kestrel answers them as it would for any app.
        await context.Request.Body.CopyToAsync(body);
        var headers = new List<(string, string)>();
        foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> header in context.Request.Headers)
        {
            headers.AddRange(header.Value.Select(value => (header.Key, value ?? "")));
        }

        var trailers = new List<(string, string)>();
        IHttpRequestTrailersFeature? trailersFeature = context.Features.Get<IHttpRequestTrailersFeature>();
        if (trailersFeature is { Available: true })
        {
            foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> trailer in trailersFeature.Trailers)
            {
                trailers.AddRange(trailer.Value.Select(value => (trailer.Key, value ?? "")));
            }
        }

        string rawTarget = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        string echo = EchoFormat.Build(context.Request.Method, rawTarget, context.Request.Protocol, headers, body.ToArray(), trailers);
        context.Response.Headers["X-Echo"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(echo));
        context.Response.ContentLength = 0;
    }

    /// <summary>Splits the bytes a server sent into responses; interim (1xx) responses are skipped.</summary>
    private static class ResponseReader
    {
        public static List<Http1Response> Read(byte[] bytes)
        {
            var responses = new List<Http1Response>();
            int position = 0;
            while (position < bytes.Length)
            {
                int headEnd = bytes.AsSpan(position).IndexOf("\r\n\r\n"u8);
                if (headEnd < 0)
                {
                    throw new InvalidDataException("Incomplete response head: " + Encoding.ASCII.GetString(bytes, position, bytes.Length - position));
                }

                string[] lines = Encoding.ASCII.GetString(bytes, position, headEnd).Split("\r\n");
                position += headEnd + 4;
                int status = int.Parse(lines[0].AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
                string? echo = null;
                long contentLength = 0;
                foreach (string line in lines.Skip(1))
                {
                    int colon = line.IndexOf(':', StringComparison.Ordinal);
                    string name = line[..colon];
                    string value = line[(colon + 1)..].Trim();
                    if (name.Equals("X-Echo", StringComparison.OrdinalIgnoreCase))
                    {
                        echo = Encoding.UTF8.GetString(Convert.FromBase64String(value));
                    }
                    else if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                    {
                        contentLength = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                    }
                    else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                    {
                        throw new InvalidDataException("The echo app and Kestrel's error responses are never chunked.");
                    }
                }

                position += (int)contentLength;
                if (status >= 200)
                {
                    responses.Add(new Http1Response(status, echo));
                }
            }

            return responses;
        }
    }
}
