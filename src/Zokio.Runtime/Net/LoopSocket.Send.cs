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
    /// Sends what a non-blocking sendmsg(2) takes of <paramref name="buffers"/> right now, with no send of this socket
    /// pending: the bytes sent, 0 when the socket takes none or has failed (nothing is thrown). For last words before an
    /// abort. On the loop thread.
    /// </summary>
    public unsafe int TrySend(ReadOnlySequence<byte> buffers)
    {
        ThrowIfNotOnLoop();
        Debug.Assert(_send is not { InFlight: true });
        if (_closed || buffers.IsEmpty)
        {
            return 0;
        }

        NativeSocketBuffers native = _sendBuffers ??= Loop.RentSocketBuffers();
        native.PrepareSend(buffers);
        nint sent = Interop.Sys.SendMsg(Fd, (Interop.MsgHdr*)native.MessageAddress, Interop.Sys.MSG_DONTWAIT | Interop.Sys.MSG_NOSIGNAL);
        ReleaseSendBuffers();
        if (sent <= 0)
        {
            return 0;
        }

        Loop.Counters.BytesSent += sent;
        return (int)sent;
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
