using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Tests;

namespace Zokio.Transport.Tests;

/// <summary>
/// A connection's input pipe on every receive path (multishot into the loop's provided buffers on io_uring, poll + recv
/// on epoll or with <see cref="EventLoopGroupOptions.ReceiveBuffers"/> 0): backpressure from a slow reader pauses and
/// resumes receiving, and the peer's FIN comes after its bytes. The receive paths themselves (ENOBUFS included) are
/// tested on the runtime's <c>LoopSocket</c> (Zokio.Runtime.Tests, MultishotReceiveTests).
/// </summary>
public class MultishotReceiveTests : IClassFixture<LeakCheck>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory, MemberData(nameof(ReceiveModes.All), MemberType = typeof(ReceiveModes))]
    public async Task Backpressure_stops_receiving_and_resumes_without_losing_bytes(LoopBackendKind backend, int receiveBuffers)
    {
        PauseCounter pauses = new();
        await using ZokioTransportFactory factory = CreateFactory(backend, receiveBuffers, maxReadBufferSize: 64 * 1024, pauses);

        await UploadAndCompareAsync(factory, 8 * 1024 * 1024, readSlowly: true);

        // A reader slower than the sender fills the pipe past MaxReadBufferSize: the multishot request is canceled and
        // started again once the application reads (or, on the poll path, the next poll waits for the flush).
        Assert.True(pauses.Count > 0, "The input pipe never paused, so backpressure was not exercised.");
    }

    [Theory, MemberData(nameof(ReceiveModes.All), MemberType = typeof(ReceiveModes))]
    public async Task Bytes_then_the_peers_FIN_reach_the_application_in_that_order(LoopBackendKind backend, int receiveBuffers)
    {
        await using ZokioTransportFactory factory = CreateFactory(backend, receiveBuffers, maxReadBufferSize: 1024 * 1024, new PauseCounter());
        await using IConnectionListener listener = await factory.BindAsync(new IPEndPoint(IPAddress.Loopback, 0));
        for (int i = 0; i < 20; i++)
        {
            using Socket client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(listener.EndPoint);
            ConnectionContext server = (await listener.AcceptAsync().AsTask().WaitAsync(Timeout))!;
            byte[] message = new byte[1000 + (i * 997)];
            new Random(i).NextBytes(message);
            await client.SendAsync(message, SocketFlags.None);
            client.Shutdown(SocketShutdown.Send);

            try
            {
                Assert.Equal(message, await ReadToEndAsync(server.Transport.Input, slowly: false).WaitAsync(Timeout));
            }
            finally
            {
                // Also when the read failed: a connection the app never disposes keeps its loop from stopping.
                await server.DisposeAsync();
            }
        }
    }

    private static async Task UploadAndCompareAsync(ZokioTransportFactory factory, int total, bool readSlowly)
    {
        await using IConnectionListener listener = await factory.BindAsync(new IPEndPoint(IPAddress.Loopback, 0));
        using Socket client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.EndPoint);
        ConnectionContext server = (await listener.AcceptAsync().AsTask().WaitAsync(Timeout))!;

        try
        {
            byte[] data = new byte[total];
            new Random(total).NextBytes(data);
            Task<byte[]> received = ReadToEndAsync(server.Transport.Input, readSlowly);
            for (int offset = 0; offset < total; offset += 256 * 1024)
            {
                await client.SendAsync(data.AsMemory(offset, Math.Min(256 * 1024, total - offset)), SocketFlags.None).AsTask().WaitAsync(Timeout);
            }

            client.Shutdown(SocketShutdown.Send);
            Assert.Equal(SHA256.HashData(data), SHA256.HashData(await received.WaitAsync(Timeout)));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private static async Task<byte[]> ReadToEndAsync(PipeReader input, bool slowly)
    {
        MemoryStream received = new();
        while (true)
        {
            ReadResult result = await input.ReadAsync();
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                received.Write(segment.Span);
            }

            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return received.ToArray();
            }

            if (slowly)
            {
                // Let the sender get ahead, so the pipe fills past its limit between reads.
                await Task.Delay(1);
            }
        }
    }

    private static ZokioTransportFactory CreateFactory(LoopBackendKind backend, int receiveBuffers, long maxReadBufferSize, PauseCounter pauses)
    {
        ZokioTransportOptions options = new()
        {
            Backend = backend,
            LoopCount = 1,
            ReceiveBuffers = receiveBuffers,
            MaxReadBufferSize = maxReadBufferSize,
        };
        return new ZokioTransportFactory(Options.Create(options), LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Debug).AddProvider(pauses)));
    }

    /// <summary>Counts the transport's "paused" events (the input pipe over MaxReadBufferSize).</summary>
    private sealed class PauseCounter : ILoggerProvider, ILogger
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Name == "ConnectionPause")
            {
                Interlocked.Increment(ref _count);
            }
        }

        public void Dispose()
        {
        }
    }
}
