using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Zokio.Runtime.Io;
using Zokio.Runtime.Io.Operations;
using Zokio.Runtime.Loops;

namespace Zokio.Runtime.Tests;

/// <summary>The single operations each backend performs, against real fds.</summary>
public class OperationTests
{
    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Write_then_read_a_file_at_an_offset(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        EventLoop loop = group.Loops[0];
        string path = Path.GetTempFileName();
        try
        {
            using SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
            int fd = (int)file.DangerousGetHandle();
            byte[] buffer = new byte[32];
            using WriteOperation write = new(loop);
            using ReadOperation read = new(loop);
            IoResult written = await Backends.OnLoop(loop, async () =>
            {
                write.Prepare(fd, Encoding.ASCII.GetBytes("zokio"), offset: 0);
                return await write.SubmitAsync(loop.IoBackend);
            }).WaitAsync(Backends.Timeout);
            Assert.Equal(IoResult.Success(5), written);
            Assert.Equal("zokio", File.ReadAllText(path));

            IoResult got = await Backends.OnLoop(loop, async () =>
            {
                read.Prepare(fd, buffer, offset: 0);
                return await read.SubmitAsync(loop.IoBackend);
            }).WaitAsync(Backends.Timeout);
            Assert.Equal(IoResult.Success(5), got);
            Assert.Equal("zokio", Encoding.ASCII.GetString(buffer, 0, 5));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Send_reaches_the_peer_and_close_releases_the_fd(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        EventLoop loop = group.Loops[0];
        using Socket listener = Listen();
        (Socket client, Socket accepted) = Connect(listener);
        using Socket clientToDispose = client;
        // The ring takes the fd over: closing it is the test's last step, through the ring.
        int fd = (int)accepted.SafeHandle.DangerousGetHandle();
        accepted.SafeHandle.SetHandleAsInvalid();
        GC.SuppressFinalize(accepted);

        using SendOperation send = new() { Fd = fd };
        IoResult sent = await Backends.OnLoop(loop, async () => await send.SendAsync(Encoding.ASCII.GetBytes("hello"), loop.IoBackend))
            .WaitAsync(Backends.Timeout);
        Assert.Equal(IoResult.Success(5), sent);
        byte[] received = new byte[5];
        Assert.Equal(5, client.Receive(received));
        Assert.Equal("hello", Encoding.ASCII.GetString(received));

        using CloseOperation close = new(loop) { Fd = fd };
        IoResult closed = await Backends.OnLoop(loop, async () => await close.SubmitAsync(loop.IoBackend)).WaitAsync(Backends.Timeout);
        Assert.Equal(IoResult.Success(0), closed);
        // The only fd of the accepted socket is closed, so the peer sees the end of the stream.
        Assert.Equal(0, client.Receive(received));
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Receive_reports_bytes_then_end_of_stream_then_a_reset_as_a_typed_error(LoopBackendKind backend)
    {
        await using EventLoopGroup group = Backends.Start(backend);
        EventLoop loop = group.Loops[0];
        using Socket listener = Listen();
        (Socket client, Socket accepted) = Connect(listener);
        using Socket clientToDispose = client, acceptedToDispose = accepted;
        int fd = (int)accepted.SafeHandle.DangerousGetHandle();
        byte[] buffer = new byte[16];
        using ReceiveOperation receive = new() { Fd = fd };
        Task<IoResult> Receive() => Backends.OnLoop(loop, async () => await receive.ReceiveAsync(buffer, loop.IoBackend)).WaitAsync(Backends.Timeout);

        client.Send(Encoding.ASCII.GetBytes("abc"));
        Assert.Equal(IoResult.Success(3), await Receive());
        client.Shutdown(SocketShutdown.Send);
        IoResult end = await Receive();
        Assert.True(end.IsEndOfStream);

        // A peer that closes with linger 0 resets the connection: the receive fails with ECONNRESET.
        (Socket client2, Socket accepted2) = Connect(listener);
        using Socket accepted2ToDispose = accepted2;
        client2.LingerState = new LingerOption(true, 0);
        client2.Close();
        receive.Fd = (int)accepted2.SafeHandle.DangerousGetHandle();
        IoResult reset = await Receive();
        Assert.False(reset.Succeeded);
        Assert.Equal(SocketError.ConnectionReset, reset.SocketError);
        Assert.Equal(SocketError.ConnectionReset, reset.ToSocketException().SocketErrorCode);
        await Backends.OnLoop(loop, () =>
        {
            loop.IoBackend.ForgetFd(fd);
            loop.IoBackend.ForgetFd(receive.Fd);
            return Task.FromResult(0);
        });
    }

    private static Socket Listen()
    {
        Socket listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        return listener;
    }

    /// <summary>A loopback connection to <paramref name="listener"/>: the client, and the accepted side (blocking).</summary>
    private static (Socket Client, Socket Accepted) Connect(Socket listener)
    {
        Socket client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        return (client, listener.Accept());
    }
}
