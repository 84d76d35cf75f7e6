using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Zokio.Runtime.Loops;

namespace Zokio.Transport.Tests;

/// <summary>
/// A peer that sends and resets before the server first reads: the bytes and the reset are queued together. Kestrel's
/// Sockets transport is the oracle (same assertions): the input fails with <see cref="ConnectionResetException"/>,
/// after the bytes if the application reads before the transport has seen the reset.
/// </summary>
public class QueuedResetTests : IClassFixture<LeakCheck>
{
    /// <summary>The transports under test: Zokio's three receive paths, and Kestrel's Sockets transport.</summary>
    public enum Server
    {
        IoUringMultishot,
        IoUringPollAndRecv,
        Epoll,
        Sockets,
    }

    public static TheoryData<Server> Servers => [Server.IoUringMultishot, Server.IoUringPollAndRecv, Server.Epoll, Server.Sockets];

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory, MemberData(nameof(Servers))]
    public async Task Bytes_and_a_reset_queued_before_the_first_read_reach_the_application_as_bytes_then_ConnectionResetException(Server server)
    {
        await using Transport transport = Transport.Create(server);
        await using IConnectionListener listener = await transport.Factory.BindAsync(new IPEndPoint(IPAddress.Loopback, 0));

        // Hold the server back (Zokio: its one loop, which accepts and receives; Sockets: by not accepting yet) while
        // the client connects, sends and resets, so the first receive finds both waiting.
        ValueTask<ConnectionContext?> accepting;
        using (transport.HoldLoop())
        {
            using Socket client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(listener.EndPoint);
            await client.SendAsync("request"u8.ToArray());
            client.LingerState = new LingerOption(true, 0);
            client.Close();
            // Zokio accepts on the loop, so a pending accept is only served once the loop is released.
            accepting = listener.AcceptAsync();
        }

        ConnectionContext connection = (await accepting.AsTask().WaitAsync(Timeout))!;
        StringBuilder received = new();
        ConnectionResetException reset = await Assert.ThrowsAsync<ConnectionResetException>(async () =>
        {
            while (true)
            {
                ReadResult read = await connection.Transport.Input.ReadAsync().AsTask().WaitAsync(Timeout);
                received.Append(Encoding.ASCII.GetString(read.Buffer));
                connection.Transport.Input.AdvanceTo(read.Buffer.End);
                Assert.False(read.IsCompleted, "The input ended as if by a FIN after an RST.");
            }
        });

        // Whether the application reads the bytes before the reset depends on timing, on Sockets too: a pipe whose writer
        // completed with an error throws on the next read even with bytes still in it.
        Assert.StartsWith(received.ToString(), "request");
        await connection.DisposeAsync();
    }

    /// <summary>A transport factory of one kind, with a way to keep it from receiving for a moment.</summary>
    private sealed class Transport : IAsyncDisposable
    {
        private readonly ZokioTransportFactory? _zokio;
        private readonly SocketTransportFactory? _sockets;

        private Transport(ZokioTransportFactory? zokio, SocketTransportFactory? sockets)
        {
            _zokio = zokio;
            _sockets = sockets;
        }

        public IConnectionListenerFactory Factory => (IConnectionListenerFactory?)_zokio ?? _sockets!;

        public static Transport Create(Server server)
        {
            if (server == Server.Sockets)
            {
                return new Transport(null, new SocketTransportFactory(Options.Create(new SocketTransportOptions()), NullLoggerFactory.Instance));
            }

            ZokioTransportOptions options = new()
            {
                Backend = server == Server.Epoll ? LoopBackendKind.Epoll : LoopBackendKind.IoUring,
                LoopCount = 1,
                RingEntries = 64,
                ReceiveBuffers = server == Server.IoUringPollAndRecv ? 0 : 16,
                // The loop is held on purpose below: that is not a stall to hand off.
                ApplicationScheduling = ApplicationScheduling.Loop,
            };
            return new Transport(new ZokioTransportFactory(Options.Create(options), NullLoggerFactory.Instance), null);
        }

        /// <summary>Blocks Zokio's loop until the returned object is disposed (nothing to do for Sockets).</summary>
        public IDisposable HoldLoop()
        {
            Hold hold = new();
            if (_zokio is not null)
            {
                _zokio.Loops.Loops[0].Schedule(static state => ((Hold)state!).Block(), hold);
                Assert.True(hold.Blocking.Wait(Timeout), "The loop never ran the holding work item.");
            }

            return hold;
        }

        public async ValueTask DisposeAsync()
        {
            if (_zokio is not null)
            {
                await _zokio.DisposeAsync();
            }
        }

        private sealed class Hold : IDisposable
        {
            private readonly ManualResetEventSlim _release = new();

            public ManualResetEventSlim Blocking { get; } = new();

            public void Block()
            {
                Blocking.Set();
                _release.Wait(Timeout);
            }

            public void Dispose() => _release.Set();
        }
    }
}
