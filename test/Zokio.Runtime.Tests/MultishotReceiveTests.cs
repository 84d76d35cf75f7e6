using System.Buffers;
using System.Net.Sockets;
using System.Security.Cryptography;
using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Tests;

/// <summary>
/// A <see cref="Net.LoopSocket"/> receiving with one multishot request into the loop's provided buffers (io_uring),
/// and the paths it falls back on: a burst that finds no free buffer (ENOBUFS) and the poll + recv path (epoll, or
/// <see cref="EventLoopGroupOptions.ReceiveBuffers"/> 0). Whatever the path, every byte arrives once and in order.
/// </summary>
public class MultishotReceiveTests
{
    [Theory, MemberData(nameof(ReceiveModes.All), MemberType = typeof(ReceiveModes))]
    public async Task An_upload_arrives_intact_and_in_order(LoopBackendKind backend, int receiveBuffers)
    {
        const int Total = 16 * 1024 * 1024;
        await using EventLoopGroup group = Backends.Start(backend, configure: options => options.ReceiveBuffers = receiveBuffers);
        EventLoop loop = group.Loops[0];
        Assert.Equal(backend == LoopBackendKind.IoUring && receiveBuffers > 0, await Backends.OnLoop(loop, () => Task.FromResult(loop.IoBackend.SupportsMultishotReceive)));

        await using (AcceptedConnection connection = await AcceptedConnection.OpenAsync(group))
        {
            byte[] data = new byte[Total];
            new Random(Total).NextBytes(data);
            Task<byte[]> received = connection.ReceiveAsync(new ArrayBufferWriter<byte>(Total));
            for (int offset = 0; offset < Total; offset += 256 * 1024)
            {
                await connection.Client.SendAsync(data.AsMemory(offset, Math.Min(256 * 1024, Total - offset)), SocketFlags.None).AsTask().WaitAsync(Backends.Timeout);
            }

            connection.Client.Shutdown(SocketShutdown.Send);
            Assert.Equal(SHA256.HashData(data), SHA256.HashData(await received.WaitAsync(Backends.Timeout)));
        }

        long shortages = await Backends.OnLoop(loop, () => Task.FromResult(loop.Counters.ReceiveBufferShortages));
        if (backend == LoopBackendKind.IoUring && receiveBuffers == 1)
        {
            // One buffer cannot hold a burst: the kernel ends the request with ENOBUFS, the socket reads once with
            // poll + recv and starts it again. Without that path exercised this case proves nothing.
            Assert.True(shortages > 0, "The single receive buffer never ran out, so the ENOBUFS path was not exercised.");
        }
        else if (backend == LoopBackendKind.Epoll || receiveBuffers == 0)
        {
            // No multishot receive at all: nothing can run short. (With many buffers a burst still may: not asserted.)
            Assert.Equal(0, shortages);
        }
    }
}
