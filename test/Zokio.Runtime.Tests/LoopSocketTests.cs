using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Zokio.Runtime.Io;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Native;
using Zokio.Runtime.Net;

namespace Zokio.Runtime.Tests;

/// <summary>Readiness and direct receives of a <see cref="LoopSocket"/> when the peer is already gone.</summary>
public class LoopSocketTests
{
    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task After_a_short_read_of_bytes_queued_with_the_peers_FIN_the_next_wait_completes(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        EventLoop loop = group.Loops[0];
        (Socket client, int fd) = ConnectedPair();
        using (client)
        {
            // Bytes and the FIN are queued before the first wait, so epoll reports both in one edge.
            client.Send("bytes"u8);
            client.Shutdown(SocketShutdown.Send);
            LoopSocket socket = new(loop, new FileDescriptorHandle(fd));
            (IoResult first, IoResult wait, IoResult second) = await Backends.OnLoop(loop, async () =>
            {
                await socket.WaitReadableAsync();
                // Fewer bytes than asked for: a short read, which on a live socket says "drained".
                IoResult first = socket.ReceiveNow(new byte[64]);
                IoResult wait = await socket.WaitReadableAsync();
                IoResult second = socket.ReceiveNow(new byte[64]);
                socket.Dispose();
                return (first, wait, second);
            }).WaitAsync(Backends.Timeout);

            Assert.Equal(IoResult.Success(5), first);
            Assert.True(wait.Succeeded && wait.Value != 0, $"The wait completed with {wait}.");
            Assert.True(second.IsEndOfStream, $"The receive after the wait returned {second}.");
        }
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_reset_peer_ends_receiving_with_an_error_result_not_an_exception(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        await using AcceptedConnection connection = await AcceptedConnection.OpenAsync(group);
        connection.Client.LingerState = new LingerOption(true, 0);
        connection.Client.Close();

        ReceiveResult last = await Backends.OnLoop(connection.Server.Loop, async () =>
        {
            ArrayBufferWriter<byte> received = new();
            ReceiveResult result;
            do
            {
                result = await connection.Server.ReceiveAsync(received);
            }
            while (!result.IsEndOfStream);

            return result;
        }).WaitAsync(Backends.Timeout);

        Assert.Equal((SocketError.ConnectionReset, 0), (last.Error, last.BytesReceived));
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Canceling_a_pending_receive_ends_it_with_OperationAborted_as_its_result_and_so_do_later_receives(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        await using AcceptedConnection connection = await AcceptedConnection.OpenAsync(group);

        (ReceiveResult pending, ReceiveResult later) = await Backends.OnLoop(connection.Server.Loop, async () =>
        {
            ArrayBufferWriter<byte> received = new();
            ValueTask<ReceiveResult> receive = connection.Server.ReceiveAsync(received);
            connection.Server.CancelPendingOperations();
            ReceiveResult pending = await receive;
            return (pending, await connection.Server.ReceiveAsync(received));
        }).WaitAsync(Backends.Timeout);

        Assert.Equal((SocketError.OperationAborted, true), (pending.Error, pending.IsEndOfStream));
        Assert.Equal(SocketError.OperationAborted, later.Error);
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_send_queued_on_the_loop_reaches_the_peer_at_SubmitQueued_before_the_loop_polls(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        EventLoop loop = group.Loops[0];
        await using AcceptedConnection connection = await AcceptedConnection.OpenAsync(group);
        connection.Client.ReceiveTimeout = (int)Backends.Timeout.TotalMilliseconds;
        byte[] sent = "queued bytes"u8.ToArray();
        byte[] received = new byte[sent.Length];

        // All on the loop thread, which does not poll meanwhile: only SubmitQueued can have handed the send to the kernel
        // (on io_uring; epoll sends in Submit).
        int count = await Backends.OnLoop(loop, async () =>
        {
            ValueTask<int> sending = connection.Server.SendAsync(new ReadOnlySequence<byte>(sent));
            loop.IoBackend.SubmitQueued();
            int count = connection.Client.Receive(received);
            Assert.Equal(sent.Length, await sending);
            return count;
        }).WaitAsync(Backends.Timeout);

        Assert.Equal(sent, received.AsSpan(0, count).ToArray());
    }

    /// <summary>A loopback connection: the client socket, and the accepted side's fd (owned by the caller).</summary>
    private static (Socket Client, int Fd) ConnectedPair()
    {
        using Socket listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        Socket client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        Socket accepted = listener.Accept();
        accepted.Blocking = false;
        int fd = (int)accepted.SafeHandle.DangerousGetHandle();
        accepted.SafeHandle.SetHandleAsInvalid();
        GC.SuppressFinalize(accepted);
        return (client, fd);
    }
}
