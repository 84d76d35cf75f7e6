using System.Net;
using System.Net.Sockets;
using Zokio.Runtime.Diagnostics;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Native;

namespace Zokio.Runtime.Net;

/// <summary>
/// A listening endpoint served by a group's loops: TCP (IPv4, IPv6, dual-mode <c>[::]</c>), a Unix socket path, or an
/// inherited listening fd (systemd socket activation). Each accepted connection is a <see cref="LoopSocket"/> handed to
/// the callback on the loop that owns it, which is the loop that serves it for its whole life.
/// </summary>
/// <remarks>
/// With <see cref="LoopListenerOptions.ReusePort"/> each loop has its own listening socket (the kernel spreads the
/// connections); otherwise one socket's connections are dealt round-robin over the loops. Accepting is a readiness wait
/// plus direct accept4(2) calls on the loop, batched per wake-up.
/// </remarks>
public sealed class LoopListener : IAsyncDisposable
{
    private readonly EventLoopGroup _group;
    private readonly LoopListenerOptions _options;
    private readonly List<Acceptor> _acceptors = [];
    private readonly string? _unixPathToDelete;
    private Func<bool>? _isFull;
    private Action<LoopSocket>? _onAccepted;
    private int _state;

    private LoopListener(EventLoopGroup group, LoopListenerOptions options, EndPoint endPoint, List<FileDescriptorHandle> sockets, string? unixPathToDelete)
    {
        _group = group;
        _options = options;
        EndPoint = endPoint;
        _unixPathToDelete = unixPathToDelete;
        bool dealRoundRobin = sockets.Count == 1 && group.Loops.Count > 1;
        for (int i = 0; i < sockets.Count; i++)
        {
            _acceptors.Add(new Acceptor(new LoopSocket(group.Loops[i], sockets[i], endPoint), this, dealRoundRobin));
        }
    }

    /// <summary>The bound endpoint: with port 0 requested, the port the kernel chose.</summary>
    public EndPoint EndPoint { get; }

    /// <summary>How many listening sockets serve the endpoint (one per loop with <see cref="LoopListenerOptions.ReusePort"/>).</summary>
    public int SocketCount => _acceptors.Count;

    internal EventLoopGroup Group => _group;

    /// <summary>
    /// Binds and listens on <paramref name="endPoint"/> (<see cref="IPEndPoint"/> or <see cref="UnixDomainSocketEndPoint"/>).
    /// Nothing is accepted before
    /// <see cref="Start"/>; connections wait in the kernel's backlog meanwhile.
    /// </summary>
    /// <exception cref="SocketException">The kernel refused (<see cref="SocketError.AddressAlreadyInUse"/>, access denied, ...).</exception>
    /// <exception cref="NotSupportedException">The endpoint type cannot be listened on.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public static LoopListener Bind(EventLoopGroup group, EndPoint endPoint, LoopListenerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(endPoint);
        options ??= new LoopListenerOptions();
        options.Validate();
        // Non-blocking on every backend: the acceptors call accept4 directly once the socket is readable.
        const bool nonBlocking = true;
        List<FileDescriptorHandle> sockets = [];
        string? unixPathToDelete = null;
        EndPoint bound = endPoint;
        try
        {
            switch (endPoint)
            {
                case IPEndPoint ip:
                    int count = options.ReusePort ? group.Loops.Count : 1;
                    for (int i = 0; i < count; i++)
                    {
                        FileDescriptorHandle socket = SocketCalls.Create(SocketAddressCodec.FamilyOf(ip), nonBlocking);
                        sockets.Add(socket);
                        // Port 0: the first socket gets a port from the kernel and the others join it there.
                        bound = BindTcp(socket.Fd, i == 0 ? ip : (IPEndPoint)bound, options.ReusePort);
                    }

                    break;
                case UnixDomainSocketEndPoint unix:
                    FileDescriptorHandle unixSocket = SocketCalls.Create(Interop.Sys.AF_UNIX, nonBlocking);
                    sockets.Add(unixSocket);
                    SocketCalls.Bind(unixSocket.Fd, unix);
                    string path = unix.ToString();
                    unixPathToDelete = path.Length > 0 && path[0] != '\0' ? path : null;
                    break;
                default:
                    throw new NotSupportedException($"Zokio cannot listen on endpoints of type {endPoint.GetType().FullName}; use IPEndPoint or UnixDomainSocketEndPoint (or FromHandle for an inherited socket).");
            }

            foreach (FileDescriptorHandle socket in sockets)
            {
                SocketCalls.Listen(socket.Fd, options.Backlog);
            }
        }
        catch
        {
            foreach (FileDescriptorHandle socket in sockets)
            {
                socket.Dispose();
            }

            throw;
        }

        return new LoopListener(group, options, bound, sockets, unixPathToDelete);
    }

    /// <summary>
    /// Adopts a socket that is already bound and listening (systemd socket activation, a parent process); the listener
    /// owns the fd from then on. Nothing is accepted before <see cref="Start"/>.
    /// </summary>
    /// <exception cref="SocketException">The fd is not a socket this process can use.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public static LoopListener FromHandle(EventLoopGroup group, nint listeningSocket, LoopListenerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(group);
        options ??= new LoopListenerOptions();
        options.Validate();
        FileDescriptorHandle handle = new(checked((int)listeningSocket));
        try
        {
            SocketCalls.SetNonBlocking(handle.Fd, nonBlocking: true);
            EndPoint local = SocketCalls.GetLocalEndPoint(handle.Fd) ?? throw new SocketException((int)SocketError.NotSocket);
            return new LoopListener(group, options, local, [handle], unixPathToDelete: null);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static IPEndPoint BindTcp(int fd, IPEndPoint endPoint, bool reusePort)
    {
        SocketCalls.SetOption(fd, Interop.Sys.SOL_SOCKET, Interop.Sys.SO_REUSEADDR, 1);
        if (reusePort)
        {
            SocketCalls.SetOption(fd, Interop.Sys.SOL_SOCKET, Interop.Sys.SO_REUSEPORT, 1);
        }

        if (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any))
        {
            // [::] serves IPv4 too, as Kestrel's Sockets transport does (DualMode).
            SocketCalls.SetOption(fd, Interop.Sys.IPPROTO_IPV6, Interop.Sys.IPV6_V6ONLY, 0);
        }

        SocketCalls.Bind(fd, endPoint);
        return SocketCalls.GetLocalEndPoint(fd) as IPEndPoint ?? endPoint;
    }

    /// <summary>
    /// Starts accepting. <paramref name="onAccepted"/> runs on the new connection's loop thread and owns the socket from
    /// then on; if it throws, the connection is closed, counted as rejected, and accepting goes on. While
    /// <paramref name="isFull"/> returns true, accepting pauses (connections wait in the kernel's backlog) until
    /// <see cref="ResumeAccepting"/> is called.
    /// </summary>
    /// <exception cref="InvalidOperationException">Already started, or stopped.</exception>
    public void Start(Action<LoopSocket> onAccepted, Func<bool>? isFull = null)
    {
        ArgumentNullException.ThrowIfNull(onAccepted);
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException($"The listener on {EndPoint} was already started or stopped.");
        }

        _onAccepted = onAccepted;
        _isFull = isFull;
        foreach (Acceptor acceptor in _acceptors)
        {
            acceptor.Start();
        }
    }

    /// <summary>Tells paused acceptors to look at the start's <c>isFull</c> again; any thread, cheap when none is paused.</summary>
    public void ResumeAccepting()
    {
        foreach (Acceptor acceptor in _acceptors)
        {
            acceptor.ResumeIfPaused();
        }
    }

    internal bool IsFull => _isFull?.Invoke() == true;

    /// <summary>Makes the socket of an accepted fd on its loop and hands it to the callback; on that loop's thread.</summary>
    internal void OnAccepted(EventLoop loop, int fd, EndPoint? remoteEndPoint)
    {
        LoopSocket socket;
        try
        {
            // The local address is the listener's when it is bound to one address; otherwise read on first use.
            EndPoint? local = EndPoint switch
            {
                IPEndPoint ip when !ip.Address.Equals(IPAddress.Any) && !ip.Address.Equals(IPAddress.IPv6Any) => ip,
                IPEndPoint => null,
                _ => EndPoint,
            };
            socket = new LoopSocket(loop, new FileDescriptorHandle(fd), local, remoteEndPoint ?? (EndPoint is IPEndPoint ? null : EndPoint));
            if (EndPoint is IPEndPoint && _options.NoDelay)
            {
                socket.NoDelay = true;
            }
        }
        catch (Exception ex)
        {
            Interop.Sys.Close(fd);
            Rejected(loop, ex);
            return;
        }

        loop.Counters.ConnectionsAccepted++;
        socket.OnOpened();
        try
        {
            _onAccepted!(socket);
        }
        catch (Exception ex)
        {
            socket.Abort();
            socket.Dispose();
            Rejected(loop, ex);
        }
    }

    private void Rejected(EventLoop loop, Exception ex)
    {
        loop.Counters.ConnectionsRejected++;
        RuntimeLog.AcceptedConnectionFailed(_group.Logger, EndPoint.ToString() ?? "?", ex);
    }

    /// <summary>
    /// Stops accepting, waits for the acceptors to end, closes the listening sockets (the port is free when this
    /// completes) and removes a Unix socket's file. Connections already accepted are not affected. Idempotent.
    /// </summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _state, 2) == 2)
        {
            return;
        }

        await Task.WhenAll(_acceptors.Select(a => a.StopAsync())).ConfigureAwait(false);
        if (_unixPathToDelete is not null)
        {
            try
            {
                File.Delete(_unixPathToDelete);
            }
            catch (IOException)
            {
                // Someone else's file by now, or already gone: leave it.
            }
        }
    }

    /// <summary>Same as <see cref="StopAsync"/>.</summary>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
