using System.Net;
using Zokio.Runtime.Diagnostics;
using Zokio.Runtime.Io;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Native;
using Zokio.Runtime.Scheduling;

namespace Zokio.Runtime.Net;

/// <summary>
/// The accept loop of one listening socket, running on that socket's loop: waits until the socket is readable, then
/// accepts with direct non-blocking accept4(2) calls. New connections stay on this loop, or are dealt round-robin over
/// the group when one socket serves all loops.
/// </summary>
/// <remarks>
/// A readiness wait rather than an ACCEPT request: after a hand-off the wait may be pending on a blocked ring and on
/// the successor's at once without either taking a connection the other then holds, and each peer address is
/// written to the accepting call's own buffer. The loop pauses while the listener's owner says it is full (Kestrel's
/// transport: as many connections accepted and not yet taken as the backlog), so a starved consumer leaves
/// connections in the kernel's backlog (as with the Sockets transport) instead of in memory.
/// </remarks>
internal sealed class Acceptor
{
    private static readonly TimeSpan ResourceBackoff = TimeSpan.FromMilliseconds(10);

    // Accepts per readiness wake-up before the loop lets other work run (the next wait completes at once if more wait).
    private const int MaxAcceptsPerWakeUp = 16;

    private readonly LoopSocket _listenSocket;
    private readonly LoopListener _listener;
    private readonly bool _dealRoundRobin;
    private volatile bool _stopping;
    private int _paused;
    private Task? _running;

    public Acceptor(LoopSocket listenSocket, LoopListener listener, bool dealRoundRobin)
    {
        _listenSocket = listenSocket;
        _listener = listener;
        _dealRoundRobin = dealRoundRobin;
    }

    public EventLoop Loop => _listenSocket.Loop;

    public void Start() => Loop.Schedule(static state => ((Acceptor)state!).Begin(), this);

    private void Begin() => _running = AcceptLoop();

    /// <summary>Restarts a loop that paused on a full queue, once Kestrel has taken a connection; any thread.</summary>
    public void ResumeIfPaused()
    {
        if (Volatile.Read(ref _paused) == 1 && Interlocked.CompareExchange(ref _paused, 0, 1) == 1)
        {
            Start();
        }
    }

    /// <summary>Stops accepting, waits for the accept loop to end, then closes the listening socket.</summary>
    public async Task StopAsync()
    {
        _stopping = true;
        Task running = await Loop.InvokeAsync(() =>
        {
            _listenSocket.CancelPendingOperations();
            return Task.FromResult(_running ?? Task.CompletedTask);
        }).ConfigureAwait(false);
        await running.ConfigureAwait(false);
        await Loop.InvokeAsync(() =>
        {
            // On the loop, so the port is released before StopAsync returns. shutdown(2) stops the listening itself
            // even while another reference to the socket lives on (a readiness wait left on a ring drained later).
            _listenSocket.Shutdown();
            _listenSocket.Dispose();
            return Task.FromResult(true);
        }).ConfigureAwait(false);
    }

    private async Task AcceptLoop()
    {
        int acceptedSinceWait = 0;
        while (!_stopping)
        {
            if (_listener.IsFull && Pause())
            {
                return;
            }

            IoResult accepted = _listenSocket.AcceptNow(out EndPoint? remote);
            if (accepted.Succeeded)
            {
                Dispatch(accepted.Value, remote);
                if (++acceptedSinceWait < MaxAcceptsPerWakeUp)
                {
                    continue;
                }
            }
            else if (!accepted.WouldBlock)
            {
                if (!ContinueAfterError(accepted))
                {
                    return;
                }

                continue;
            }

            acceptedSinceWait = 0;
            IoResult ready = await _listenSocket.WaitReadableAsync();
            if (!ready.Succeeded && !ready.IsCanceled && !ContinueAfterError(ready))
            {
                return;
            }
        }
    }

    /// <summary>Marks the loop paused; false when room appeared meanwhile (the loop then goes on).</summary>
    private bool Pause()
    {
        Volatile.Write(ref _paused, 1);
        // Re-check after publishing the flag: a connection taken in between would otherwise find no one to resume.
        return _listener.IsFull || Interlocked.CompareExchange(ref _paused, 0, 1) != 1;
    }

    private void Dispatch(int fd, EndPoint? remote)
    {
        EventLoop target = _dealRoundRobin ? Loop.Group.Next() : Loop;
        if (target == Loop)
        {
            _listener.OnAccepted(target, fd, remote);
            return;
        }

        target.Schedule(static state =>
        {
            (LoopListener listener, EventLoop loop, int fd, EndPoint? remote) = ((LoopListener, EventLoop, int, EndPoint?))state!;
            listener.OnAccepted(loop, fd, remote);
        }, (_listener, target, fd, remote));
    }

    /// <summary>True to accept again at once; false when the loop ends and restarts itself after a back-off.</summary>
    private bool ContinueAfterError(IoResult failure)
    {
        if (failure.Errno is Interop.Errno.ECONNABORTED or Interop.Errno.EINTR or Interop.Errno.EPROTO)
        {
            // The peer gave up before we took the connection, or a signal: nothing lost, take the next one.
            return true;
        }

        // EMFILE, ENFILE, ENOBUFS, ENOMEM: out of resources. Back off rather than spin, and keep serving.
        Loop.Counters.ConnectionsRejected++;
        RuntimeLog.AcceptFailed(_listener.Group.Logger, _listener.EndPoint.ToString() ?? "?", (int)ResourceBackoff.TotalMilliseconds, failure.ToSocketException());
        ZokioEventSource.Log.AcceptFailed(_listener.EndPoint, -failure.Errno);
        Loop.Delay(ResourceBackoff).ContinueWith(static (_, state) => ((Acceptor)state!).Start(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return false;
    }
}
