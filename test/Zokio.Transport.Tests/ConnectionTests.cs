using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Zokio.Runtime.Diagnostics;
using Zokio.Runtime.Loops;

namespace Zokio.Transport.Tests;

/// <summary>The transport on its own (no Kestrel): a listener, raw client sockets, and the pipes' completion semantics.</summary>
public class ConnectionTests : IClassFixture<LeakCheck>
{
    public static TheoryData<LoopBackendKind> Backends => new() { LoopBackendKind.IoUring, LoopBackendKind.Epoll };

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static ZokioTransportFactory CreateFactory(LoopBackendKind backend, Action<ZokioTransportOptions>? configure = null)
    {
        ZokioTransportOptions options = new() { Backend = backend, LoopCount = 2, RingEntries = 64 };
        configure?.Invoke(options);
        return new ZokioTransportFactory(Options.Create(options), NullLoggerFactory.Instance);
    }

    private static async Task<(IConnectionListener Listener, Socket Client, ConnectionContext Server)> ConnectAsync(ZokioTransportFactory factory)
    {
        IConnectionListener listener = await factory.BindAsync(new IPEndPoint(IPAddress.Loopback, 0));
        Socket client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.EndPoint);
        ConnectionContext? server = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);
        Assert.NotNull(server);
        return (listener, client, server);
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Bytes_flow_both_ways_and_endpoints_are_reported(LoopBackendKind backend)
    {
        await using ZokioTransportFactory factory = CreateFactory(backend);
        (IConnectionListener listener, Socket client, ConnectionContext server) = await ConnectAsync(factory);
        await using (listener)
        using (client)
        {
            Assert.NotEqual(0, ((IPEndPoint)listener.EndPoint).Port);
            Assert.Equal(client.LocalEndPoint, server.RemoteEndPoint);
            Assert.Equal(client.RemoteEndPoint, server.LocalEndPoint);
            Assert.NotNull(server.Features.Get<IConnectionSocketFeature>()?.Socket);
            Assert.NotNull(server.Features.Get<IMemoryPoolFeature>()?.MemoryPool);
            Assert.Same(server.Transport, server.Features.Get<IConnectionTransportFeature>()?.Transport);

            await client.SendAsync("ping"u8.ToArray());
            ReadResult read = await server.Transport.Input.ReadAtLeastAsync(4).AsTask().WaitAsync(Timeout);
            Assert.Equal("ping", Encoding.ASCII.GetString(read.Buffer.Slice(0, 4)));
            server.Transport.Input.AdvanceTo(read.Buffer.GetPosition(4));

            await server.Transport.Output.WriteAsync("pong"u8.ToArray());
            byte[] buffer = new byte[4];
            await client.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Timeout);
            Assert.Equal("pong", Encoding.ASCII.GetString(buffer));

            await server.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(LoopBackendKind.IoUring, true)]
    [InlineData(LoopBackendKind.IoUring, false)]
    [InlineData(LoopBackendKind.Epoll, true)]
    [InlineData(LoopBackendKind.Epoll, false)]
    public async Task Both_accept_strategies_spread_connections_over_every_loop(LoopBackendKind backend, bool reusePort)
    {
        await using ZokioTransportFactory factory = CreateFactory(backend, o => o.ReusePort = reusePort);
        await using IConnectionListener listener = await factory.BindAsync(new IPEndPoint(IPAddress.Loopback, 0));
        List<Socket> clients = [];
        List<ConnectionContext> servers = [];
        try
        {
            for (int i = 0; i < 64; i++)
            {
                Socket client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                clients.Add(client);
                await client.ConnectAsync(listener.EndPoint);
                servers.Add((await listener.AcceptAsync().AsTask().WaitAsync(Timeout))!);
            }

            // SO_REUSEPORT hashes 64 connections over two sockets; round-robin alternates: each loop gets some.
            Assert.All(factory.Loops.Loops, loop => Assert.True(LoopSnapshot.Capture(loop).ConnectionsAccepted > 0, $"Loop {loop.Index} accepted nothing."));
        }
        finally
        {
            foreach (Socket client in clients)
            {
                client.Dispose();
            }

            foreach (ConnectionContext server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Fin_from_the_peer_completes_the_input_without_error(LoopBackendKind backend)
    {
        await using ZokioTransportFactory factory = CreateFactory(backend);
        (IConnectionListener listener, Socket client, ConnectionContext server) = await ConnectAsync(factory);
        await using (listener)
        using (client)
        {
            await client.SendAsync("bye"u8.ToArray());
            client.Shutdown(SocketShutdown.Send);
            ReadResult read;
            do
            {
                read = await server.Transport.Input.ReadAsync().AsTask().WaitAsync(Timeout);
                server.Transport.Input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            }
            while (!read.IsCompleted);

            Assert.Equal(3, read.Buffer.Length);
            // Half-closed: the server can still answer.
            await server.Transport.Output.WriteAsync("ok"u8.ToArray());
            byte[] buffer = new byte[2];
            await client.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Timeout);
            Assert.Equal("ok", Encoding.ASCII.GetString(buffer));
            await server.DisposeAsync();
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task A_connection_whose_bytes_were_all_read_holds_no_buffer_while_it_waits_for_more(LoopBackendKind backend)
    {
        await using ZokioTransportFactory factory = CreateFactory(backend);
        (IConnectionListener listener, Socket client, ConnectionContext server) = await ConnectAsync(factory);
        await using (listener)
        using (client)
        {
            // Keep-alive requests: each is read whole, then the connection waits. The receive loop goes back to
            // waiting as soon as it has handed the bytes on, before the application reads them, so by the time the
            // read below returns, any buffer it took for a recv that found nothing would be held.
            for (int request = 0; request < 3; request++)
            {
                await client.SendAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray());
                long read = 0;
                while (read < 18)
                {
                    ReadResult result = await server.Transport.Input.ReadAsync().AsTask().WaitAsync(Timeout);
                    read += result.Buffer.Length;
                    server.Transport.Input.AdvanceTo(result.Buffer.End);
                }

                Assert.Equal(0, factory.Loops.OutstandingMemoryBlocks);
            }

            await server.DisposeAsync();
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Reset_by_peer_completes_input_with_ConnectionResetException(LoopBackendKind backend)
    {
        await using ZokioTransportFactory factory = CreateFactory(backend);
        (IConnectionListener listener, Socket client, ConnectionContext server) = await ConnectAsync(factory);
        await using (listener)
        {
            // Linger 0 turns close into an RST.
            client.LingerState = new LingerOption(true, 0);
            client.Close();
            await Assert.ThrowsAsync<ConnectionResetException>(async () =>
            {
                while (true)
                {
                    ReadResult read = await server.Transport.Input.ReadAsync().AsTask().WaitAsync(Timeout);
                    server.Transport.Input.AdvanceTo(read.Buffer.End);
                    Assert.False(read.IsCompleted, "The input completed without an error after an RST.");
                }
            });
            await server.DisposeAsync();
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Abort_completes_the_input_with_ConnectionAbortedException_and_resets_the_connection(LoopBackendKind backend)
    {
        await using ZokioTransportFactory factory = CreateFactory(backend);
        (IConnectionListener listener, Socket client, ConnectionContext server) = await ConnectAsync(factory);
        await using (listener)
        using (client)
        {
            await AbortAndWaitForClose(server);
            // As Kestrel's Sockets transport: an abort closes with SO_LINGER 0, so the peer sees a reset, not a FIN.
            SocketException reset = await Assert.ThrowsAsync<SocketException>(async () => await client.ReceiveAsync(new byte[16], SocketFlags.None).WaitAsync(Timeout));
            Assert.Equal(SocketError.ConnectionReset, reset.SocketErrorCode);
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Abort_with_FinOnError_ends_the_connection_with_a_FIN(LoopBackendKind backend)
    {
        await using ZokioTransportFactory factory = CreateFactory(backend, o => o.FinOnError = true);
        (IConnectionListener listener, Socket client, ConnectionContext server) = await ConnectAsync(factory);
        await using (listener)
        using (client)
        {
            await AbortAndWaitForClose(server);
            int received = await client.ReceiveAsync(new byte[16], SocketFlags.None).WaitAsync(Timeout);
            Assert.Equal(0, received);
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Abort_still_sends_what_the_application_wrote_before_it(LoopBackendKind backend)
    {
        await using ZokioTransportFactory factory = CreateFactory(backend);
        (IConnectionListener listener, Socket client, ConnectionContext server) = await ConnectAsync(factory);
        await using (listener)
        using (client)
        {
            // Written but not flushed, then aborted: Kestrel's HTTP/2 writes GOAWAY/RST_STREAM this way before it aborts.
            server.Transport.Output.Write("last words"u8);
            _ = server.Transport.Output.FlushAsync();
            await AbortAndWaitForClose(server);
            byte[] buffer = new byte[64];
            int total = 0;
            try
            {
                int n;
                while ((n = await client.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None).AsTask().WaitAsync(Timeout)) > 0)
                {
                    total += n;
                }
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
            {
            }

            Assert.Equal("last words", Encoding.ASCII.GetString(buffer, 0, total));
        }
    }

    private static async Task AbortAndWaitForClose(ConnectionContext server)
    {
        TaskCompletionSource closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        server.ConnectionClosed.Register(() => closed.TrySetResult());
        server.Abort(new ConnectionAbortedException("test abort"));
        ConnectionAbortedException ex = await Assert.ThrowsAsync<ConnectionAbortedException>(async () => await server.Transport.Input.ReadAsync().AsTask().WaitAsync(Timeout));
        Assert.Equal("test abort", ex.Message);
        await closed.Task.WaitAsync(Timeout);
        await server.DisposeAsync();
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Unbind_stops_accepting_and_AcceptAsync_returns_null(LoopBackendKind backend)
    {
        await using ZokioTransportFactory factory = CreateFactory(backend);
        IConnectionListener listener = await factory.BindAsync(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint endPoint = listener.EndPoint;
        ValueTask<ConnectionContext?> pending = listener.AcceptAsync();
        await listener.UnbindAsync();
        Assert.Null(await pending.AsTask().WaitAsync(Timeout));
        using Socket client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await Assert.ThrowsAsync<SocketException>(async () => await client.ConnectAsync(endPoint));
        await listener.DisposeAsync();
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Address_in_use_throws_AddressInUseException(LoopBackendKind backend)
    {
        await using ZokioTransportFactory factory = CreateFactory(backend);
        using Socket holder = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        holder.Listen();
        await Assert.ThrowsAsync<AddressInUseException>(async () => await factory.BindAsync(holder.LocalEndPoint!));
    }

    [Fact]
    public async Task Unknown_endpoint_types_are_declined_with_the_type_named()
    {
        await using ZokioTransportFactory factory = CreateFactory(LoopBackendKind.Auto);
        DnsEndPoint dns = new("localhost", 80);
        Assert.False(factory.CanBind(dns));
        NotSupportedException ex = await Assert.ThrowsAsync<NotSupportedException>(async () => await factory.BindAsync(dns));
        Assert.Contains(typeof(DnsEndPoint).FullName!, ex.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Unix_domain_socket_endpoint_serves_and_its_file_is_removed_on_unbind(LoopBackendKind backend)
    {
        await using ZokioTransportFactory factory = CreateFactory(backend);
        string path = Path.Combine(Path.GetTempPath(), $"zokio-{Guid.NewGuid():N}.sock");
        IConnectionListener listener = await factory.BindAsync(new UnixDomainSocketEndPoint(path));
        using (Socket client = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            await client.ConnectAsync(new UnixDomainSocketEndPoint(path));
            ConnectionContext server = (await listener.AcceptAsync().AsTask().WaitAsync(Timeout))!;
            await client.SendAsync("unix"u8.ToArray());
            ReadResult read = await server.Transport.Input.ReadAtLeastAsync(4).AsTask().WaitAsync(Timeout);
            Assert.Equal("unix", Encoding.ASCII.GetString(read.Buffer.Slice(0, 4)));
            server.Transport.Input.AdvanceTo(read.Buffer.End);
            await server.DisposeAsync();
        }

        await listener.DisposeAsync();
        Assert.False(File.Exists(path));
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Inherited_listening_handle_is_adopted(LoopBackendKind backend)
    {
        await using ZokioTransportFactory factory = CreateFactory(backend);
        Socket inherited = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        inherited.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        inherited.Listen();
        EndPoint bound = inherited.LocalEndPoint!;
        // As systemd would hand it over: the listener takes ownership of the raw fd.
        nint fd = inherited.SafeHandle.DangerousGetHandle();
        IConnectionListener listener = await factory.BindAsync(new FileHandleEndPoint((ulong)fd, FileHandleType.Tcp));
        Assert.Equal(bound, listener.EndPoint);
        using (Socket client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await client.ConnectAsync(bound);
            ConnectionContext server = (await listener.AcceptAsync().AsTask().WaitAsync(Timeout))!;
            await server.DisposeAsync();
        }

        await listener.DisposeAsync();
        GC.SuppressFinalize(inherited);
        inherited.SafeHandle.SetHandleAsInvalid();
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Outbound_connections_reach_a_plain_TcpListener(LoopBackendKind backend)
    {
        using TcpListener server = new(IPAddress.Loopback, 0);
        server.Start();
        ZokioTransportOptions options = new() { Backend = backend, LoopCount = 1, RingEntries = 64 };
        await using ZokioConnectionFactory factory = new(Options.Create(options), NullLoggerFactory.Instance);
        Task<TcpClient> accepting = server.AcceptTcpClientAsync();
        ConnectionContext connection = await factory.ConnectAsync(server.LocalEndpoint).AsTask().WaitAsync(Timeout);
        using TcpClient peer = await accepting.WaitAsync(Timeout);
        await connection.Transport.Output.WriteAsync("hello"u8.ToArray());
        byte[] buffer = new byte[5];
        await peer.GetStream().ReadExactlyAsync(buffer).AsTask().WaitAsync(Timeout);
        Assert.Equal("hello", Encoding.ASCII.GetString(buffer));
        await peer.GetStream().WriteAsync("world"u8.ToArray());
        ReadResult read = await connection.Transport.Input.ReadAtLeastAsync(5).AsTask().WaitAsync(Timeout);
        Assert.Equal("world", Encoding.ASCII.GetString(read.Buffer.Slice(0, 5)));
        connection.Transport.Input.AdvanceTo(read.Buffer.End);
        await connection.DisposeAsync();
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Connecting_to_a_closed_port_throws_ConnectionRefused(LoopBackendKind backend)
    {
        using Socket probe = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint closed = probe.LocalEndPoint!;
        probe.Close();
        ZokioTransportOptions options = new() { Backend = backend, LoopCount = 1, RingEntries = 64 };
        await using ZokioConnectionFactory factory = new(Options.Create(options), NullLoggerFactory.Instance);
        SocketException ex = await Assert.ThrowsAsync<SocketException>(async () => await factory.ConnectAsync(closed));
        Assert.Equal(SocketError.ConnectionRefused, ex.SocketErrorCode);
    }
}
