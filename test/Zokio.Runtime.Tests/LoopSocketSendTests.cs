using System.Buffers;
using System.Net.Sockets;
using Zokio.Runtime.Diagnostics;
using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Tests;

/// <summary>
/// <see cref="Net.LoopSocket.TrySend(ReadOnlySequence{byte}, out SocketError)"/> from a thread that is not the loop's:
/// what the socket takes goes out in order, a full socket says WouldBlock, a failed one says why, and the loop sends
/// the rest after it.
/// </summary>
public class LoopSocketSendTests
{
    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Off_the_loop_it_sends_until_the_socket_is_full_and_the_loop_sends_the_rest_in_order(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        await using AcceptedConnection connection = await AcceptedConnection.OpenAsync(group);
        connection.Client.ReceiveBufferSize = 16 * 1024;
        // Far more than the socket buffers hold while the client reads nothing.
        byte[] data = Pattern(32 * 1024 * 1024);
        ReadOnlySequence<byte> rest = new(data);
        SocketError error = SocketError.Success;
        long sentOffLoop = 0;
        await Task.Run(() =>
        {
            Assert.False(group.Loops[0].IsOnLoopThread);
            while (!rest.IsEmpty && error == SocketError.Success)
            {
                int sent = connection.Server.TrySend(rest, out error);
                Assert.True(sent > 0 || error != SocketError.Success, "No bytes sent and no error.");
                sentOffLoop += sent;
                rest = rest.Slice(sent);
            }
        }).WaitAsync(Backends.Timeout);

        Assert.Equal(SocketError.WouldBlock, error);
        Assert.InRange(sentOffLoop, 1, data.Length - 1);
        Task<byte[]> received = ReadAsync(connection.Client, data.Length);
        await Backends.OnLoop(group.Loops[0], async () =>
        {
            while (!rest.IsEmpty)
            {
                rest = rest.Slice(await connection.Server.SendAsync(rest));
            }

            return 0;
        }).WaitAsync(Backends.Timeout);

        byte[] arrived = await received.WaitAsync(Backends.Timeout);
        Assert.True(data.AsSpan().SequenceEqual(arrived), "The bytes arrived out of order.");
        Assert.Equal(data.Length, LoopSnapshot.Capture(group.Loops[0]).BytesSent);
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Off_the_loop_one_call_sends_at_most_64_segments(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        await using AcceptedConnection connection = await AcceptedConnection.OpenAsync(group);
        byte[] data = Pattern(100 * 10);
        ReadOnlySequence<byte> segments = Segments.Every(data, 10);

        (int first, SocketError firstError, int second, SocketError secondError) = await Task.Run(() =>
        {
            int first = connection.Server.TrySend(segments, out SocketError firstError);
            int second = connection.Server.TrySend(segments.Slice(first), out SocketError secondError);
            return (first, firstError, second, secondError);
        }).WaitAsync(Backends.Timeout);

        Assert.Equal((640, SocketError.Success), (first, firstError));
        Assert.Equal((360, SocketError.Success), (second, secondError));
        byte[] arrived = await ReadAsync(connection.Client, data.Length).WaitAsync(Backends.Timeout);
        Assert.True(data.AsSpan().SequenceEqual(arrived), "The bytes arrived out of order.");
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Off_the_loop_a_reset_connection_reports_the_error_without_throwing(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        await using AcceptedConnection connection = await AcceptedConnection.OpenAsync(group);
        connection.Client.LingerState = new LingerOption(true, 0);
        connection.Client.Close();

        // The RST reaches the server's socket asynchronously: send until the kernel reports it (the first sends may
        // still be taken, then the reset, then a broken pipe).
        SocketError error = SocketError.Success;
        await Task.Run(async () =>
        {
            while (error is SocketError.Success)
            {
                connection.Server.TrySend(new ReadOnlySequence<byte>("x"u8.ToArray()), out error);
                if (error is SocketError.Success)
                {
                    await Task.Yield();
                }
            }
        }).WaitAsync(Backends.Timeout);

        Assert.Contains(error, new[] { SocketError.ConnectionReset, SocketError.Shutdown });
    }

    private static byte[] Pattern(int length)
    {
        byte[] data = new byte[length];
        for (int i = 0; i < data.Length; i++)
        {
            // Not a power-of-two period, so a chunk sent twice or skipped changes what follows.
            data[i] = (byte)(i % 251);
        }

        return data;
    }

    private static async Task<byte[]> ReadAsync(Socket client, int length)
    {
        byte[] bytes = new byte[length];
        int read = 0;
        while (read < length)
        {
            int n = await client.ReceiveAsync(bytes.AsMemory(read), SocketFlags.None);
            Assert.True(n > 0, $"The connection ended after {read} of {length} bytes.");
            read += n;
        }

        return bytes;
    }
}
