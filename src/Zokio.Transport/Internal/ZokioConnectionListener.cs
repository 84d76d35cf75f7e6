using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Net;

namespace Zokio.Transport.Internal;

/// <summary>
/// Kestrel's view of one bound endpoint: the runtime's <see cref="LoopListener"/> and a queue of accepted connections
/// that Kestrel takes with <see cref="AcceptAsync"/>.
/// </summary>
internal sealed class ZokioConnectionListener : IConnectionListener
{
    private readonly LoopListener _listener;
    private readonly ZokioTransportOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<ZokioConnection> _accepted = Channel.CreateUnbounded<ZokioConnection>(new UnboundedChannelOptions { SingleReader = true });
    private int _unbound;

    // Connections accepted and not yet taken by Kestrel; accepting pauses at the backlog size.
    private int _pending;

    private ZokioConnectionListener(LoopListener listener, EndPoint endPoint, ZokioTransportOptions options, ILogger logger)
    {
        _listener = listener;
        _options = options;
        _logger = logger;
        EndPoint = endPoint;
    }

    public EndPoint EndPoint { get; }

    /// <summary>Binds <paramref name="endPoint"/> on the group's loops and starts accepting.</summary>
    /// <exception cref="AddressInUseException">The address is taken.</exception>
    public static ZokioConnectionListener Bind(EventLoopGroup group, EndPoint endPoint, ZokioTransportOptions options, ILogger logger)
    {
        LoopListenerOptions listenerOptions = new() { Backlog = options.Backlog, ReusePort = options.ReusePort, NoDelay = options.NoDelay };
        LoopListener listener;
        try
        {
            listener = endPoint is FileHandleEndPoint handle
                ? LoopListener.FromHandle(group, checked((nint)handle.FileHandle), listenerOptions)
                : LoopListener.Bind(group, endPoint, listenerOptions);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new AddressInUseException(ex.Message, ex);
        }

        // An inherited socket is known by its address when it has one (Kestrel then logs where it listens).
        EndPoint bound = endPoint is FileHandleEndPoint && listener.EndPoint is not IPEndPoint ? endPoint : listener.EndPoint;
        ZokioConnectionListener connections = new(listener, bound, options, logger);
        listener.Start(connections.OnAccepted, () => connections.IsFull);
        TransportLog.Listening(logger, bound.ToString() ?? "?", listener.SocketCount, group.Loops.Count, group.Backend.ToString());
        return connections;
    }

    /// <summary>True while as many accepted connections wait for Kestrel as the backlog allows: accepting pauses.</summary>
    private bool IsFull => Volatile.Read(ref _pending) >= _options.Backlog;

    private void ReleaseReservation()
    {
        if (Interlocked.Decrement(ref _pending) < _options.Backlog)
        {
            _listener.ResumeAccepting();
        }
    }

    /// <summary>Wraps an accepted socket for Kestrel and queues it; on the socket's loop thread.</summary>
    private void OnAccepted(LoopSocket socket)
    {
        Interlocked.Increment(ref _pending);
        ZokioConnection connection;
        try
        {
            connection = new(socket, _options, _logger);
        }
        catch
        {
            ReleaseReservation();
            throw;
        }

        connection.Start();
        if (!_accepted.Writer.TryWrite(connection))
        {
            // Unbound while this one was in flight: nobody will take it.
            ReleaseReservation();
            connection.Abort(new ConnectionAbortedException("The Zokio listener was unbound."));
            _ = connection.DisposeAsync().AsTask();
        }
    }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            ZokioConnection connection = await _accepted.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReleaseReservation();
            return connection;
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _unbound, 1) != 0)
        {
            return;
        }

        await _listener.StopAsync().ConfigureAwait(false);
        _accepted.Writer.TryComplete();
    }

    public async ValueTask DisposeAsync()
    {
        await UnbindAsync().ConfigureAwait(false);
        // Connections accepted but never handed to Kestrel are ours to close.
        while (_accepted.Reader.TryRead(out ZokioConnection? connection))
        {
            ReleaseReservation();
            connection.Abort(new ConnectionAbortedException("The Zokio listener was disposed."));
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
