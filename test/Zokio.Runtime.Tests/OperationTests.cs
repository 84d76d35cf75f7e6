using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
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
            nint buffer = NativeBuffer.Alloc(64);
            try
            {
                NativeBuffer.Write(buffer, "zokio");
                using AsyncIoOperation op = new() { Fd = (int)file.DangerousGetHandle() };
                int written = await Backends.OnLoop(loop, async () =>
                {
                    op.Kind = IoOperationKind.Write;
                    op.Address = buffer;
                    op.Length = 5;
                    op.Offset = 0;
                    return await op.SubmitAsync(loop.IoBackend);
                }).WaitAsync(Backends.Timeout);
                Assert.Equal(5, written);
                Assert.Equal("zokio", File.ReadAllText(path));

                int read = await Backends.OnLoop(loop, async () =>
                {
                    op.Kind = IoOperationKind.Read;
                    op.Address = buffer + 32;
                    op.Length = 32;
                    op.Offset = 0;
                    return await op.SubmitAsync(loop.IoBackend);
                }).WaitAsync(Backends.Timeout);
                Assert.Equal(5, read);
                Assert.Equal("zokio", NativeBuffer.Read(buffer + 32, 5));
            }
            finally
            {
                NativeBuffer.Free(buffer);
            }
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
        using Socket listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using Socket client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        Socket accepted = listener.Accept();
        // The ring takes the fd over: closing it is the test's last step, through the ring.
        int fd = (int)accepted.SafeHandle.DangerousGetHandle();
        accepted.SafeHandle.SetHandleAsInvalid();
        GC.SuppressFinalize(accepted);

        nint message = NativeBuffer.Alloc(5);
        try
        {
            NativeBuffer.Write(message, "hello");
            using AsyncIoOperation op = new() { Fd = fd };
            int sent = await Backends.OnLoop(loop, async () =>
            {
                op.Kind = IoOperationKind.Send;
                op.Address = message;
                op.Length = 5;
                return await op.SubmitAsync(loop.IoBackend);
            }).WaitAsync(Backends.Timeout);
            Assert.Equal(5, sent);
            byte[] received = new byte[5];
            Assert.Equal(5, client.Receive(received));
            Assert.Equal("hello", Encoding.ASCII.GetString(received));

            int closed = await Backends.OnLoop(loop, async () =>
            {
                op.Kind = IoOperationKind.Close;
                return await op.SubmitAsync(loop.IoBackend);
            }).WaitAsync(Backends.Timeout);
            Assert.Equal(0, closed);
            // The only fd of the accepted socket is closed, so the peer sees the end of the stream.
            Assert.Equal(0, client.Receive(received));
        }
        finally
        {
            NativeBuffer.Free(message);
        }
    }

    /// <summary>Native memory for operations to point the kernel at (the tests' own; the runtime pins pool blocks).</summary>
    private static unsafe class NativeBuffer
    {
        public static nint Alloc(int size) => (nint)NativeMemory.AllocZeroed((nuint)size);

        public static void Free(nint buffer) => NativeMemory.Free((void*)buffer);

        public static void Write(nint buffer, string ascii) => Encoding.ASCII.GetBytes(ascii, new Span<byte>((void*)buffer, ascii.Length));

        public static string Read(nint buffer, int length) => Encoding.ASCII.GetString(new ReadOnlySpan<byte>((void*)buffer, length));
    }
}
