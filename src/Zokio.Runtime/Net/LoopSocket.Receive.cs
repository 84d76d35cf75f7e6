using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Zokio.Runtime.Io;
using Zokio.Runtime.Io.Operations;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Memory;
using Zokio.Runtime.Native;

namespace Zokio.Runtime.Net;

public sealed partial class LoopSocket
{
    // Half a block, as Kestrel asks of its pipes: a nearly full block is topped up before a fresh one is taken.
    private const int MinReceiveBufferSize = SlabMemoryPool.BlockSize / 2;

    private static readonly IoResult s_wouldBlock = IoResult.Failure(Interop.Errno.EAGAIN);

    private readonly InlineCompletion<ReceiveResult> _receiveCompletion = new();
    private MultishotReceive? _multishot;
    private ReceiveState _receiveState = ReceiveState.FirstReceive;

    // An error that arrived behind bytes: the bytes are returned first, the error by the next call, as recv(2) does.
    private IoResult? _pendingReceiveError;
    private bool _canceled;

    [Flags]
    private enum ReceiveState : byte
    {
        None = 0,

        // Before the first bytes: look for the FIN behind them (a client that sends and shuts down is gone).
        FirstReceive = 1,

        // The last read filled its buffer (or ended a burst read without waiting): more is probably there.
        ReadAgainNow = 2,

        // A multishot receive ran out of the loop's buffers: read directly until the socket is drained.
        DrainDirectly = 4,
    }

    /// <summary>
    /// When true (the default), an idle socket holds no memory: the receive waits for bytes before it takes a buffer
    /// from the target (multishot receive into the loop's shared buffers on io_uring, readiness then recv(2) elsewhere).
    /// When false, the receive takes a buffer first and hands it to the kernel (a ring RECV).
    /// </summary>
    public bool WaitForDataBeforeAllocatingBuffer { get; set; } = true;

    /// <summary>
    /// Receives the next bytes into <paramref name="target"/> (advancing it), waiting until some arrive. Bytes and the
    /// peer's FIN that arrived together come back together (<see cref="ReceiveResult.IsEndOfStream"/> with a count);
    /// an error ends the stream as a result (<see cref="ReceiveResult.Error"/>), after the bytes that came before it. On
    /// the loop thread; one call at a time, always with the same target.
    /// </summary>
    /// <remarks>
    /// On io_uring one multishot request keeps receiving between calls: bytes that arrive meanwhile are appended to the
    /// target at once (the loop's shared buffer goes back to the kernel) and counted in the next result. So the target
    /// must be append-only while receiving goes on, as a <see cref="System.IO.Pipelines.PipeWriter"/> is (its reader
    /// consumes independently); <see cref="PauseReceiving"/> and <see cref="StopReceivingAsync"/> stop it.
    /// </remarks>
    /// <exception cref="InvalidOperationException">Called off the socket's loop thread.</exception>
    public ValueTask<ReceiveResult> ReceiveAsync(IBufferWriter<byte> target)
    {
        ThrowIfNotOnLoop();
        ArgumentNullException.ThrowIfNull(target);
        if (_pendingReceiveError is { } error)
        {
            _pendingReceiveError = null;
            return ValueTask.FromResult(Failed(error));
        }

        return _receiveCompletion.Wrap(
            !WaitForDataBeforeAllocatingBuffer ? ReceiveIntoBufferAsync(target)
            : Loop.IoBackend.SupportsMultishotReceive ? ReceiveMultishotAsync(target)
            : ReceiveWhenReadableAsync(target));
    }

    /// <summary>
    /// Stops the kernel from receiving into the target of <see cref="ReceiveAsync"/> until the next call (the caller
    /// cannot take more: backpressure). A few completions already under way may still be written to the target.
    /// </summary>
    public void PauseReceiving()
    {
        ThrowIfNotOnLoop();
        if (_multishot is { InFlight: true, CancelRequested: false })
        {
            Loop.IoBackend.Cancel(_multishot);
        }
    }

    /// <summary>
    /// Ends receiving for good: nothing more is written to the target of <see cref="ReceiveAsync"/> once this
    /// completes, so the caller may complete it. On the loop thread.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask StopReceivingAsync()
    {
        ThrowIfNotOnLoop();
        if (_multishot is null)
        {
            return;
        }

        _multishot.Detach();
        PauseReceiving();
        while (_multishot.InFlight)
        {
            await _multishot.WaitAsync();
        }
    }

    /// <summary>
    /// Readiness, then recv(2) on the loop thread (epoll, and io_uring without provided buffers): no buffer is taken
    /// while the socket is idle, and the data is read with a direct syscall instead of one more ring round trip.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReceiveResult> ReceiveWhenReadableAsync(IBufferWriter<byte> target)
    {
        while (true)
        {
            Memory<byte> buffer = default;
            IoResult received = s_wouldBlock;
            bool readWithoutWaiting = (_receiveState & ReceiveState.ReadAgainNow) != 0;
            if (readWithoutWaiting)
            {
                // After a receive that filled its buffer more is probably waiting: read again at once, as epoll's
                // "ready until EAGAIN" does, instead of a readiness round trip per 4 KiB.
                buffer = target.GetMemory(MinReceiveBufferSize);
                received = ReceiveNow(buffer);
            }

            if (received.WouldBlock)
            {
                readWithoutWaiting = false;
                if (_canceled)
                {
                    // Nothing wakes a new wait after an abort (an RST shuts nothing down): stop before submitting one.
                    return Failed(IoResult.Canceled);
                }

                IoResult ready = await WaitReadableAsync();
                if (!ready.Succeeded)
                {
                    return Failed(ready);
                }

                buffer = target.GetMemory(MinReceiveBufferSize);
                received = ReceiveNow(buffer);
                if (received.WouldBlock)
                {
                    // Readiness that was stale (epoll starts every fd as "ready" until a syscall says otherwise) or
                    // spurious: wait again, still without holding a buffer.
                    _receiveState &= ~ReceiveState.ReadAgainNow;
                    continue;
                }

                if (IsShortRead(received, buffer) && ((_receiveState & ReceiveState.FirstReceive) != 0 || (ready.Value & PollOperation.PeerClosed) != 0))
                {
                    // The first bytes of a connection, or the peer has shut down: look for the FIN before the caller
                    // sees the bytes. A client that sends a request and then shuts down (SHUT_WR) is gone; a server must
                    // learn that before the request runs, as on .NET's sockets, not halfway through its response. One
                    // recv per connection (the poll's mask can predate the FIN on io_uring).
                    int count = received.Value;
                    IoResult more = ReceiveNow(buffer[count..]);
                    if (more.IsEndOfStream)
                    {
                        target.Advance(count);
                        Loop.Counters.BytesReceived += count;
                        return new ReceiveResult(count, isEndOfStream: true);
                    }

                    if (more.Succeeded)
                    {
                        received = IoResult.Success(count + more.Value);
                    }
                    else if (!more.WouldBlock)
                    {
                        // A reset (or another error) behind the bytes: the bytes first, the error at the next call, as
                        // recv(2) itself reports them. Taken as "no more bytes", a reset became a FIN on io_uring and an
                        // endless wait on epoll.
                        _pendingReceiveError = more;
                    }
                }

                _receiveState &= ~ReceiveState.FirstReceive;
            }

            // After a full buffer more is probably waiting. After the short read that ends a burst, look once more
            // too: if the peer's FIN is already there, the caller then sees it before it acts on the burst's bytes (a
            // large request followed by shutdown(SHUT_WR)), at the cost of one recv per burst.
            bool again = received.Succeeded && (received.Value == buffer.Length || (readWithoutWaiting && received.Value > 0));
            _receiveState = again ? _receiveState | ReceiveState.ReadAgainNow : _receiveState & ~ReceiveState.ReadAgainNow;
            return Completed(target, received);
        }
    }

    /// <summary>A ring RECV into memory taken from the target first (<see cref="WaitForDataBeforeAllocatingBuffer"/> off).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReceiveResult> ReceiveIntoBufferAsync(IBufferWriter<byte> target)
    {
        if (_canceled)
        {
            return Failed(IoResult.Canceled);
        }

        Memory<byte> buffer = target.GetMemory(MinReceiveBufferSize);
        _receive ??= new ReceiveOperation { Fd = Fd };
        IoResult received = await _receive.ReceiveAsync(buffer, Loop.IoBackend);
        return Completed(target, received);
    }

    /// <summary>
    /// One multishot request (io_uring with provided buffers): the loop copies each arrival into the target as it reaps
    /// it, and this returns once per batch. No buffer is held while idle and no syscall is made per read.
    /// <see cref="PauseReceiving"/> cancels the request; the next call starts it again.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReceiveResult> ReceiveMultishotAsync(IBufferWriter<byte> target)
    {
        while (true)
        {
            if ((_receiveState & ReceiveState.DrainDirectly) != 0)
            {
                ReceiveResult? direct = ReceiveDirectly(target);
                if (direct is { } result)
                {
                    return result;
                }
            }

            if (_multishot is not { InFlight: true })
            {
                if (_canceled)
                {
                    return Failed(IoResult.Canceled);
                }

                _multishot ??= new MultishotReceive { Fd = Fd };
                _multishot.Start(target, Loop.IoBackend);
            }

            MultishotReceive receive = _multishot;
            await receive.WaitAsync();
            int received = checked((int)receive.TakeReceived());
            Loop.Counters.BytesReceived += received;
            if (!receive.Ended)
            {
                if (received > 0)
                {
                    return new ReceiveResult(received, isEndOfStream: false);
                }

                continue;
            }

            IoResult end = receive.EndResult;
            if (end.IsEndOfStream)
            {
                // The peer's FIN, with the bytes that came with it: the caller sees the end before it acts on them.
                return new ReceiveResult(received, isEndOfStream: true);
            }

            if (end.Errno == Interop.Errno.ENOBUFS)
            {
                // The loop's buffers ran out in a burst: read what is there into the target's own memory, as poll +
                // recv does, until drained. A bulk transfer keeps its pace this way instead of paying a readiness
                // round trip each time the shared buffers run out.
                Loop.Counters.ReceiveBufferShortages++;
                _receiveState |= ReceiveState.DrainDirectly;
            }
            else if (end.IsCanceled && receive.CancelRequested && !_canceled)
            {
                // Paused for backpressure: the caller has read since. Started again above.
            }
            else if (!end.Succeeded)
            {
                if (received > 0)
                {
                    _pendingReceiveError = end;
                    return new ReceiveResult(received, isEndOfStream: false);
                }

                return Failed(end);
            }

            // Ended after bytes (the kernel may stop a multishot request at any time), or the cases above: go on.
            if (received > 0)
            {
                return new ReceiveResult(received, isEndOfStream: false);
            }
        }
    }

    /// <summary>
    /// After ENOBUFS: one direct recv into the target's memory. Null once the socket is drained (nothing read), when the
    /// multishot request should start again.
    /// </summary>
    private ReceiveResult? ReceiveDirectly(IBufferWriter<byte> target)
    {
        Memory<byte> buffer = target.GetMemory(MinReceiveBufferSize);
        IoResult received = ReceiveNow(buffer);
        if (received.WouldBlock || IsShortRead(received, buffer))
        {
            _receiveState &= ~ReceiveState.DrainDirectly;
            if (received.WouldBlock)
            {
                return null;
            }
        }

        return Completed(target, received);
    }

    /// <summary>A recv result as the caller sees it: bytes advanced into the target, end of stream, or an error.</summary>
    private ReceiveResult Completed(IBufferWriter<byte> target, IoResult received)
    {
        if (!received.Succeeded)
        {
            return Failed(received);
        }

        if (received.IsEndOfStream)
        {
            return new ReceiveResult(0, isEndOfStream: true);
        }

        int count = received.Value;
        target.Advance(count);
        Loop.Counters.BytesReceived += count;
        return new ReceiveResult(count, isEndOfStream: false);
    }

    /// <summary>
    /// The result of a receive that failed. After a shutdown or an abort here the pending operation was canceled on
    /// purpose: that is reported as an abort.
    /// </summary>
    private ReceiveResult Failed(IoResult failure) =>
        new(_canceled && failure.IsCanceled ? SocketError.OperationAborted : failure.SocketError);

    /// <summary>
    /// A stream socket's recv returns less than asked only when it emptied the receive queue (TCP urgent data, which
    /// HTTP never sends, aside), so a short read says "drained" as surely as EAGAIN.
    /// </summary>
    private static bool IsShortRead(IoResult received, Memory<byte> buffer) =>
        received.Succeeded && received.Value > 0 && received.Value < buffer.Length;

    /// <summary>
    /// Receives with a direct non-blocking recv(2) on the loop thread: bytes, 0 at end of stream, or the error (EAGAIN
    /// when nothing is there). Right after <see cref="WaitReadableAsync"/> reported data this saves a ring round trip.
    /// </summary>
    internal IoResult ReceiveNow(Memory<byte> buffer)
    {
        Debug.Assert(Loop.IsOnLoopThread);
        using MemoryHandle pin = buffer.Pin();
        IoResult received = SocketCalls.ReceiveNonBlocking(Fd, NativeSocketBuffers.AddressOf(pin), buffer.Length);
        if (received.WouldBlock || IsShortRead(received, buffer))
        {
            // A short read says "drained" as surely as EAGAIN (IsShortRead). Telling epoll now makes the next wait a
            // real one: without it the wait completed at once on stale readiness, the connection took a buffer for a
            // recv that found nothing (and held it while idle), and every request paid that extra recv. Bytes arriving
            // later raise a new edge, which the loop reads in its next epoll_wait, after this call.
            Loop.IoBackend.MarkNotReadable(Fd);
        }

        return received;
    }

    /// <summary>Completes when the socket is readable or the peer is gone (a poll mask), or with -errno.</summary>
    internal ValueTask<IoResult> WaitReadableAsync()
    {
        Debug.Assert(Loop.IsOnLoopThread);
        _readable ??= new PollOperation(writable: false) { Fd = Fd };
        return _readable.SubmitAsync(Loop.IoBackend);
    }
}
