using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Net;

// An echo server on the runtime's own sockets: no ASP.NET Core, no pipes but the one it makes.
public static class LoopEchoServer
{
    public static async Task RunAsync(EventLoopGroup loops, EndPoint endPoint, Action<EndPoint>? listening = null, CancellationToken stop = default)
    {
        await using LoopListener listener = LoopListener.Bind(loops, endPoint);
        listening?.Invoke(listener.EndPoint); // with port 0, the port the kernel chose
        // Called on the connection's loop, which serves it for its whole life.
        listener.Start(socket => _ = EchoAsync(socket));
        await Task.Delay(Timeout.Infinite, stop);
    }

    private static async Task EchoAsync(LoopSocket socket)
    {
        using (socket)
        {
            // The socket appends what it receives to the pipe; the same loop reads it back out and sends it.
            Pipe received = new(new PipeOptions(pool: socket.Loop.MemoryPool, readerScheduler: socket.Loop, writerScheduler: socket.Loop));
            try
            {
                while (true)
                {
                    ReceiveResult result = await socket.ReceiveAsync(received.Writer);
                    await received.Writer.FlushAsync();
                    if (received.Reader.TryRead(out ReadResult bytes))
                    {
                        for (var pending = bytes.Buffer; !pending.IsEmpty;)
                        {
                            pending = pending.Slice(await socket.SendAsync(pending));
                        }

                        received.Reader.AdvanceTo(bytes.Buffer.End);
                    }

                    if (result.IsEndOfStream)
                    {
                        break;
                    }
                }
            }
            catch (SocketException)
            {
                // The client reset the connection while we sent: nothing left to echo.
            }

            await socket.StopReceivingAsync();
            await received.Writer.CompleteAsync();
            await received.Reader.CompleteAsync();
        }
    }
}
