using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Zokio.Runtime.Loops;

namespace Zokio.Transport.Tests;

/// <summary>
/// Output flushed on the loop and on other threads (HTTP/2's frame writer, TLS, thread-pool handlers): whatever mix of
/// threads writes, and however full the socket gets, the bytes arrive complete and in order.
/// </summary>
public class SendGateTests : IClassFixture<LeakCheck>
{

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Flushes_alternating_between_the_loop_and_other_threads_keep_byte_order(LoopBackendKind backend)
    {
        await using ZokioTransportFactory factory = CreateFactory(backend);
        await using IConnectionListener listener = await factory.BindAsync(new IPEndPoint(IPAddress.Loopback, 0));
        using Socket client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.EndPoint);
        ConnectionContext server = (await listener.AcceptAsync().AsTask().WaitAsync(Timeout))!;
        EventLoop loop = factory.Loops.Loops[0];

        const int Messages = 4_000;
        Task reading = ReadSequenceAsync(client, Messages);
        PipeWriter output = server.Transport.Output;
        for (int i = 0; i < Messages; i++)
        {
            // One writer at a time, as the pipe requires, but on a different kind of thread each time.
            int value = i;
            if (i % 2 == 0)
            {
                await OnLoop(loop, () => WriteNumberAsync(output, value));
            }
            else
            {
                await Task.Run(() => WriteNumberAsync(output, value));
            }
        }

        await reading.WaitAsync(Timeout);
        await server.DisposeAsync();
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_64_MiB_response_flushed_from_many_threads_to_a_slow_reader_arrives_intact(LoopBackendKind backend)
    {
        await using ZokioTransportFactory factory = CreateFactory(backend);
        await using IConnectionListener listener = await factory.BindAsync(new IPEndPoint(IPAddress.Loopback, 0));
        using Socket client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 64 * 1024 };
        await client.ConnectAsync(listener.EndPoint);
        ConnectionContext server = (await listener.AcceptAsync().AsTask().WaitAsync(Timeout))!;

        const int Total = 64 * 1024 * 1024;
        const int Chunk = 48 * 1024;
        byte[] data = new byte[Total];
        new Random(42).NextBytes(data);
        Task<byte[]> received = ReadAllAsync(client, Total, slow: true);
        PipeWriter output = server.Transport.Output;
        for (int offset = 0; offset < Total; offset += Chunk)
        {
            int start = offset;
            // Each flush from a thread-pool thread: the socket fills, short sends continue, and backpressure holds the
            // writer back.
            await Task.Run(async () => await output.WriteAsync(data.AsMemory(start, Math.Min(Chunk, Total - start))));
        }

        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await received.WaitAsync(Timeout)));
        await server.DisposeAsync();
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Frames_flushed_by_many_threads_at_once_arrive_in_the_order_they_were_written(LoopBackendKind backend)
    {
        await using ZokioTransportFactory factory = CreateFactory(backend);
        await using IConnectionListener listener = await factory.BindAsync(new IPEndPoint(IPAddress.Loopback, 0));
        // A small receive buffer and a reader that pauses: some sends find the socket full and stop halfway through a
        // frame while other threads keep writing.
        using Socket client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 32 * 1024 };
        await client.ConnectAsync(listener.EndPoint);
        ConnectionContext server = (await listener.AcceptAsync().AsTask().WaitAsync(Timeout))!;
        EventLoop loop = factory.Loops.Loops[0];

        const int Writers = 8;
        const int FramesPerWriter = 400;
        const int Frames = Writers * FramesPerWriter;
        Task<byte[]> received = ReadAllAsync(client, Frames * FrameSize, slow: true);
        PipeWriter output = server.Transport.Output;
        // The pipe takes one writer at a time: the writers take turns as Kestrel's HTTP/2 frame writer serialises its
        // streams, numbering each frame while they hold the turn.
        SemaphoreSlim turn = new(1, 1);
        int next = 0;
        async Task WriteFramesAsync(bool onLoop)
        {
            for (int i = 0; i < FramesPerWriter; i++)
            {
                await turn.WaitAsync();
                try
                {
                    await (onLoop ? OnLoop(loop, () => WriteFrameAsync(output, next++)) : WriteFrameAsync(output, next++));
                }
                finally
                {
                    turn.Release();
                }
            }
        }

        // Seven writers on thread-pool threads and one flushing on the loop, all at once.
        Task[] writers = [.. Enumerable.Range(0, Writers - 1).Select(_ => Task.Run(() => WriteFramesAsync(onLoop: false))), WriteFramesAsync(onLoop: true)];
        await Task.WhenAll(writers).WaitAsync(Timeout);

        byte[] bytes = await received.WaitAsync(Timeout);
        for (int i = 0; i < Frames; i++)
        {
            ReadOnlySpan<byte> frame = bytes.AsSpan(i * FrameSize, FrameSize);
            Assert.Equal(i, BitConverter.ToInt32(frame));
            Assert.True(frame[4..].IndexOfAnyExcept((byte)i) < 0, $"Frame {i} carries another frame's bytes.");
        }

        await server.DisposeAsync();
    }

    private const int FrameSize = 1_000;

    /// <summary>Writes and flushes a frame: its number, then its number's low byte repeated.</summary>
    private static async Task WriteFrameAsync(PipeWriter output, int number)
    {
        Span<byte> frame = output.GetSpan(FrameSize)[..FrameSize];
        BitConverter.TryWriteBytes(frame, number);
        frame[4..].Fill((byte)number);
        output.Advance(FrameSize);
        FlushResult result = await output.FlushAsync();
        Assert.False(result.IsCanceled || result.IsCompleted);
    }

    private static ZokioTransportFactory CreateFactory(LoopBackendKind backend) =>
        new(Options.Create(new ZokioTransportOptions { Backend = backend, LoopCount = 1, RingEntries = 64 }), NullLoggerFactory.Instance);

    private static async Task WriteNumberAsync(PipeWriter output, int value)
    {
        BitConverter.TryWriteBytes(output.GetSpan(4), value);
        output.Advance(4);
        FlushResult result = await output.FlushAsync();
        Assert.False(result.IsCanceled || result.IsCompleted);
    }

    private static Task OnLoop(EventLoop loop, Func<Task> body)
    {
        TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Schedule(async _ =>
        {
            try
            {
                await body();
                done.TrySetResult();
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        }, null);
        return done.Task;
    }

    private static async Task ReadSequenceAsync(Socket client, int messages)
    {
        byte[] bytes = await ReadAllAsync(client, messages * 4, slow: false);
        for (int i = 0; i < messages; i++)
        {
            Assert.Equal(i, BitConverter.ToInt32(bytes, i * 4));
        }
    }

    private static async Task<byte[]> ReadAllAsync(Socket client, int total, bool slow)
    {
        byte[] bytes = new byte[total];
        int read = 0;
        while (read < total)
        {
            int n = await client.ReceiveAsync(bytes.AsMemory(read, Math.Min(slow ? 16 * 1024 : total - read, total - read)), SocketFlags.None);
            Assert.True(n > 0, $"The connection ended after {read} of {total} bytes.");
            read += n;
            if (slow && read % (1024 * 1024) < n)
            {
                // Read slower than the server writes, so its socket buffer fills and the loop takes over sending.
                await Task.Yield();
            }
        }

        return bytes;
    }
}
