using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Zokio.Runtime.Io;
using Zokio.Runtime.Io.Operations;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Native;

namespace Zokio.Runtime.Net;

public sealed partial class LoopSocket
{
    // Rented from the loop only while a send needs it: an idle connection holds none (about 2.5 KiB of native and
    // managed memory each, which made Zokio's idle connections cost more than the Sockets transport's).
    private NativeSocketBuffers? _sendBuffers;
    private readonly InlineCompletion<int> _sendCompletion = new();

    /// <summary>
    /// Sends as much of <paramref name="buffers"/> as one sendmsg(2) takes (up to 64 segments; the rest is the caller's
    /// to send next): the bytes sent, at least one. On the loop thread; one send at a time.
    /// </summary>
    /// <exception cref="SocketException">The connection failed (reset, broken pipe, ...), or was shut down or aborted
    /// here (<see cref="SocketError.OperationAborted"/>).</exception>
    public ValueTask<int> SendAsync(ReadOnlySequence<byte> buffers)
    {
        ThrowIfNotOnLoop();
        return buffers.IsEmpty ? ValueTask.FromResult(0) : _sendCompletion.Wrap(SendMessageAsync(buffers));
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> SendMessageAsync(ReadOnlySequence<byte> buffers)
    {
        _sendBuffers ??= Loop.RentSocketBuffers();
        _sendBuffers.PrepareSend(buffers);
        _send ??= new SendMessageOperation { Fd = Fd };
        IoResult result = await _send.SendAsync(_sendBuffers, Loop.IoBackend);
        ReleaseSendBuffers();
        if (!result.Succeeded || result.Value == 0)
        {
            // 0 bytes for a non-empty buffer means the socket can take no more: a broken pipe.
            throw result.IsCanceled && _canceled ? new SocketException((int)SocketError.OperationAborted)
                : result.Succeeded ? IoResult.Failure(Interop.Errno.EPIPE).ToSocketException()
                : result.ToSocketException();
        }

        int sent = result.Value;
        Loop.Counters.BytesSent += sent;
        return sent;
    }

    /// <summary>
    /// Sends what a non-blocking sendmsg(2) takes of <paramref name="buffers"/> right now, on the calling thread: the
    /// bytes sent, 0 when the socket takes none or has failed (nothing is thrown). For last words before an abort.
    /// </summary>
    /// <remarks>Any thread, with no other send of this socket pending or running (see <see cref="TrySend(ReadOnlySequence{byte}, out SocketError)"/>).</remarks>
    public int TrySend(ReadOnlySequence<byte> buffers) => TrySend(buffers, out _);

    /// <summary>
    /// Sends what a non-blocking sendmsg(2) takes of <paramref name="buffers"/> right now (up to 64 segments), on the
    /// calling thread, which may be any thread: for a flush made off the loop, so the loop need not be woken to send it.
    /// Returns the bytes sent; <paramref name="error"/> is <see cref="SocketError.Success"/> when some were,
    /// <see cref="SocketError.WouldBlock"/> when the socket buffer is full, or what failed (nothing is thrown).
    /// </summary>
    /// <remarks>
    /// Bytes leave in the order the calls are made: the caller makes sure that no other send of this socket is pending
    /// (a <see cref="SendAsync"/> not yet completed) or running on another thread meanwhile.
    /// </remarks>
    public int TrySend(ReadOnlySequence<byte> buffers, out SocketError error)
    {
        if (_closed || buffers.IsEmpty)
        {
            error = _closed ? SocketError.OperationAborted : SocketError.Success;
            return 0;
        }

        IoResult result = NativeSocketBuffers.SendNow(Fd, buffers);
        if (!result.Succeeded || result.Value == 0)
        {
            // 0 bytes for a non-empty buffer means the socket can take no more: a broken pipe, as in SendMessageAsync.
            error = result.Succeeded ? IoResult.Failure(Interop.Errno.EPIPE).SocketError : result.SocketError;
            return 0;
        }

        error = SocketError.Success;
        int sent = result.Value;
        if (Loop.IsOnLoopThread)
        {
            Loop.Counters.BytesSent += sent;
        }
        else
        {
            Interlocked.Add(ref Loop.Counters.BytesSentOffLoop, sent);
        }

        return sent;
    }

    /// <summary>Releases the pins on memory that is not the pool's and gives the native buffers back to the loop.</summary>
    private void ReleaseSendBuffers()
    {
        if (_sendBuffers is not null)
        {
            _sendBuffers.ReleasePins();
            Loop.ReturnSocketBuffers(_sendBuffers);
            _sendBuffers = null;
        }
    }
}
