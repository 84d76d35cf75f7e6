using System.Net;
using Microsoft.Extensions.Logging;
using Zokio.Runtime.Diagnostics;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Native;
using Zokio.Runtime.Net;

namespace Zokio.Transport.Internal;

/// <summary>
/// The accept loop of one listening socket, running on that socket's loop. New connections stay on this loop, or are
/// dealt round-robin over the group when one socket serves all loops.
/// </summary>
internal sealed class Acceptor
{
    private static readonly TimeSpan ResourceBackoff = TimeSpan.FromMilliseconds(10);

    private readonly LoopSocket _listenSocket;
    private readonly ZokioConnectionListener _listener;
    private readonly bool _dealRoundRobin;
    private readonly ILogger _logger;
    private volatile bool _stopping;
    private Task? _running;

    public Acceptor(LoopSocket listenSocket, ZokioConnectionListener listener, bool dealRoundRobin, ILogger logger)
    {
        _listenSocket = listenSocket;
        _listener = listener;
        _dealRoundRobin = dealRoundRobin;
        _logger = logger;
    }

    public EventLoop Loop => _listenSocket.Loop;

    public void Start() => Loop.Schedule(static state => ((Acceptor)state!).Begin(), this);

    private void Begin() => _running = AcceptLoop();

    /// <summary>Stops accepting, waits for the accept loop to end, then closes the listening socket.</summary>
    public async Task StopAsync()
    {
        _stopping = true;
        Task running = await LoopInvoke.RunAsync(Loop, () =>
        {
            _listenSocket.CancelPendingOperations();
            return Task.FromResult(_running ?? Task.CompletedTask);
        }).ConfigureAwait(false);
        await running.ConfigureAwait(false);
        _listenSocket.Dispose();
    }

    private async Task AcceptLoop()
    {
        while (!_stopping)
        {
            int fd = await _listenSocket.AcceptAsync();
            if (fd >= 0)
            {
                EndPoint? remote = _listenSocket.AcceptedAddress;
                EventLoop target = _dealRoundRobin ? Loop.Group.Next() : Loop;
                if (target == Loop)
                {
                    _listener.OnAccepted(target, fd, remote);
                }
                else
                {
                    target.Schedule(static state =>
                    {
                        (ZokioConnectionListener listener, EventLoop loop, int fd, EndPoint? remote) = ((ZokioConnectionListener, EventLoop, int, EndPoint?))state!;
                        listener.OnAccepted(loop, fd, remote);
                    }, (_listener, target, fd, remote));
                }

                continue;
            }

            if (_stopping)
            {
                break;
            }

            switch (-fd)
            {
                case Interop.Errno.ECONNABORTED or Interop.Errno.EINTR or Interop.Errno.EAGAIN or Interop.Errno.ECANCELED:
                    // The peer gave up before we took the connection, or a signal: nothing lost, take the next one.
                    continue;
                default:
                    // EMFILE, ENFILE, ENOBUFS, ENOMEM: out of resources. Back off rather than spin, and keep serving.
                    Loop.Counters.ConnectionsRejected++;
                    TransportLog.AcceptFailed(_logger, _listener.EndPoint.ToString() ?? "?", (int)ResourceBackoff.TotalMilliseconds, Interop.Errno.ToSocketException(fd));
                    ZokioEventSource.Log.AcceptFailed(_listener.EndPoint, fd);
                    await Loop.Delay(ResourceBackoff).ConfigureAwait(false);
                    break;
            }
        }
    }
}
