using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Memory;
using Zokio.Transport.Internal.Errors;

namespace Zokio.Transport.Internal;

internal sealed partial class ZokioConnection
{
    // Half a block, as Kestrel asks: a nearly full block is topped up before a fresh one is taken.
    private const int MinAllocBufferSize = SlabMemoryPool.BlockSize / 2;

    // POLLRDHUP | POLLHUP in a readiness wait's result: the peer has shut down its sending side.
    private const int PeerClosedMask = 0x2000 | 0x010;

    private async Task DoReceive()
    {
        Exception? error = null;
        try
        {
            if (_waitForData && _socket.CanReceiveMultishot)
            {
                await ProcessMultishotReceives().ConfigureAwait(false);
            }
            else
            {
                await ProcessReceives().ConfigureAwait(false);
            }
        }
        catch (SocketException ex) when (SocketErrors.IsConnectionReset(ex.SocketErrorCode))
        {
            error = new ConnectionResetException(ex.Message, ex);
            if (!_shutdown)
            {
                TransportLog.ConnectionReset(_logger, ConnectionId);
            }
        }
        catch (SocketException ex) when (SocketErrors.IsConnectionAbort(ex.SocketErrorCode))
        {
            // Expected after Shutdown(): _shutdownReason says why, and wins below.
            error = ex;
            if (!_shutdown)
            {
                TransportLog.ConnectionError(_logger, ConnectionId, ex);
            }
        }
        catch (Exception ex)
        {
            error = ex;
            TransportLog.ConnectionError(_logger, ConnectionId, ex);
        }
        finally
        {
            // If Shutdown() already ran, it is the reason the receive loop ended.
            Exception? reason = _shutdownReason ?? error;
            if (Loop.ApplicationScheduler == PipeScheduler.ThreadPool || reason is not null)
            {
                // As on the Sockets transport. After a reset a pending body read must fail with the reset, not with the
                // RequestAborted cancellation that ConnectionClosed starts on the thread pool: completing the input
                // first leaves that cancellation nothing to win against.
                Input.Complete(reason);
                FireConnectionClosed();
            }
            else
            {
                // A clean FIN: Kestrel learns the connection ended before it can see the last bytes. With a request and
                // the client's FIN read together, the request must not start answering on the thread pool (where Kestrel
                // parses a connection's first request) while the loop is still getting to the FIN.
                FireConnectionClosed();
                Input.Complete(reason);
            }

            await _waitForConnectionClosed.Task.ConfigureAwait(false);
        }
    }

    private async Task ProcessReceives()
    {
        PipeWriter input = Input;
        bool readAgainNow = false;
        bool firstReceive = true;
        // After an abort nothing wakes a new wait (an RST shuts nothing down): stop before submitting one.
        while (!_shutdown)
        {
            Memory<byte> buffer;
            int received;
            if (_waitForData)
            {
                // After a receive that filled its buffer more is probably waiting: read again at once, as epoll's
                // "ready until EAGAIN" does, instead of a poll round trip through the ring per 4 KiB.
                buffer = default;
                received = -Runtime.Native.Interop.Errno.EAGAIN;
                bool readWithoutWaiting = readAgainNow;
                if (readAgainNow)
                {
                    buffer = input.GetMemory(MinAllocBufferSize);
                    received = _socket.ReceiveNow(buffer);
                }

                if (received == -Runtime.Native.Interop.Errno.EAGAIN)
                {
                    readWithoutWaiting = false;
                    // An idle connection waits without holding a buffer: memory is taken only once bytes are there.
                    int ready = await _socket.WaitReadableAsync();
                    if (ready < 0)
                    {
                        ThrowForErrno(ready);
                    }

                    // The data is there: read it with a direct recv now instead of one more trip through the ring.
                    buffer = input.GetMemory(MinAllocBufferSize);
                    received = _socket.ReceiveNow(buffer);
                    if (received == -Runtime.Native.Interop.Errno.EAGAIN)
                    {
                        // Readiness that was stale (epoll starts every fd as "ready" until a syscall says otherwise)
                        // or spurious: wait again, still without holding a buffer.
                        readAgainNow = false;
                        continue;
                    }

                    if (received > 0 && received < buffer.Length && (firstReceive || (ready & PeerClosedMask) != 0))
                    {
                        // The first bytes of a connection, or the peer has shut down: look for the FIN before the app
                        // sees the bytes. A client that sends a request and then shuts down (SHUT_WR) is gone; Kestrel
                        // must learn that before the request runs, as on the Sockets transport, not halfway through its
                        // response. One recv per connection (the poll's mask can predate the FIN on io_uring).
                        int more = _socket.ReceiveNow(buffer[received..]);
                        if (more == 0)
                        {
                            Loop.Counters.BytesReceived += received;
                            input.Advance(received);
                            TransportLog.ConnectionReadFin(_logger, ConnectionId);
                            break;
                        }

                        if (more < 0 && more != -Runtime.Native.Interop.Errno.EAGAIN)
                        {
                            // A reset (or another error) behind the bytes: they go to the application first, as a
                            // later recv would deliver them, then the error ends the receive. Read as "no more
                            // bytes", a reset became a FIN on io_uring and an endless wait on epoll.
                            Loop.Counters.BytesReceived += received;
                            input.Advance(received);
                            ThrowForErrno(more);
                        }

                        received += Math.Max(more, 0);
                    }

                    firstReceive = false;
                }

                // After a full buffer more is probably waiting. After the short read that ends a burst, look once
                // more too: if the peer's FIN is already there, the app then sees it before it runs on the burst's
                // bytes (a large request followed by shutdown(SHUT_WR)), at the cost of one recv per burst.
                readAgainNow = received == buffer.Length || (readWithoutWaiting && received > 0);
            }
            else
            {
                buffer = input.GetMemory(MinAllocBufferSize);
                received = await _socket.ReceiveAsync(buffer);
            }

            if (received == 0)
            {
                TransportLog.ConnectionReadFin(_logger, ConnectionId);
                break;
            }

            if (received < 0)
            {
                ThrowForErrno(received);
            }

            Loop.Counters.BytesReceived += received;
            input.Advance(received);
            if (!await FlushReceivedAsync(input))
            {
                // The application is done reading.
                break;
            }
        }
    }

    /// <summary>
    /// Receives with one multishot request (io_uring with provided buffers): the loop copies each arrival into the input
    /// pipe as it reaps it, and this loop flushes once per batch. No buffer is held while idle and no syscall is made
    /// per read. Backpressure cancels the request; it is started again once the application has read.
    /// </summary>
    private async Task ProcessMultishotReceives()
    {
        PipeWriter input = Input;
        MultishotReceive receive = _socket.StartMultishotReceive(input);
        try
        {
            while (!_shutdown)
            {
                await receive.WaitAsync();
                long received = receive.TakeReceived();
                if (received > 0)
                {
                    Loop.Counters.BytesReceived += received;
                    if (receive.Ended && receive.EndResult == 0)
                    {
                        // Bytes and the peer's FIN together: the app sees the end of the connection before it runs on
                        // the bytes (DoReceive completes the pipe), as with a poll and a recv.
                        TransportLog.ConnectionReadFin(_logger, ConnectionId);
                        break;
                    }

                    if (!await FlushReceivedAsync(input))
                    {
                        break;
                    }
                }

                if (!receive.Ended)
                {
                    continue;
                }

                switch (receive.EndResult)
                {
                    case 0:
                        TransportLog.ConnectionReadFin(_logger, ConnectionId);
                        return;
                    case -Runtime.Native.Interop.Errno.ENOBUFS:
                        // The loop's buffers ran out in a burst: read what is there into the pipe's own memory.
                        Loop.Counters.ReceiveBufferShortages++;
                        if (!await ReceiveDirectlyAsync(input))
                        {
                            return;
                        }

                        break;
                    case -Runtime.Native.Interop.Errno.ECANCELED when receive.CancelRequested && !_shutdown:
                        // Canceled for backpressure (FlushReceivedAsync): the application has read since.
                        break;
                    case < 0:
                        ThrowForErrno(receive.EndResult);
                        break;
                }

                // Ended after bytes (the kernel may stop a multishot request at any time), or the cases above: go on.
                if (!_shutdown)
                {
                    _socket.StartMultishotReceive(input);
                }
            }
        }
        finally
        {
            // Nothing more goes into the pipe; the request must have ended before the socket can be closed.
            receive.Detach();
            _socket.StopMultishotReceive();
            while (receive.InFlight)
            {
                await receive.WaitAsync();
            }
        }
    }

    /// <summary>Flushes what was received into the pipe; false when the application is done reading.</summary>
    private async ValueTask<bool> FlushReceivedAsync(PipeWriter input)
    {
        ValueTask<FlushResult> flushTask = input.FlushAsync();
        bool paused = !flushTask.IsCompleted;
        if (paused)
        {
            // Over MaxReadBufferSize: stop receiving until the application reads. A multishot receive is canceled (what
            // completes meanwhile still goes into the pipe, a few buffers at most, and is flushed once it resumes); on
            // the poll + recv path nothing is in flight and the receive loop simply waits here.
            TransportLog.ConnectionPause(_logger, ConnectionId);
            _socket.StopMultishotReceive();
        }

        FlushResult result = await flushTask;
        if (paused)
        {
            TransportLog.ConnectionResume(_logger, ConnectionId);
        }

        return !result.IsCompleted && !result.IsCanceled;
    }

    /// <summary>
    /// After ENOBUFS, which says bytes are waiting: reads them with direct recv calls into the pipe's own memory, as
    /// poll + recv does, until the socket is drained (a short read or EAGAIN). A bulk transfer (an upload) keeps its
    /// pace this way instead of paying a poll round trip each time the shared buffers run out. Returns false at end of
    /// stream or when the application is done reading.
    /// </summary>
    private async ValueTask<bool> ReceiveDirectlyAsync(PipeWriter input)
    {
        while (true)
        {
            Memory<byte> buffer = input.GetMemory(MinAllocBufferSize);
            int received = _socket.ReceiveNow(buffer);
            if (received == -Runtime.Native.Interop.Errno.EAGAIN)
            {
                return true;
            }

            if (received == 0)
            {
                TransportLog.ConnectionReadFin(_logger, ConnectionId);
                return false;
            }

            if (received < 0)
            {
                ThrowForErrno(received);
            }

            Loop.Counters.BytesReceived += received;
            input.Advance(received);
            if (!await FlushReceivedAsync(input))
            {
                return false;
            }

            if (received < buffer.Length)
            {
                return true;
            }
        }
    }

    private void ThrowForErrno(int negativeErrno)
    {
        // After Shutdown() the pending operation was canceled on purpose: report that as an abort, not an I/O error.
        if (_shutdown && negativeErrno == -Runtime.Native.Interop.Errno.ECANCELED)
        {
            throw new SocketException((int)SocketError.OperationAborted);
        }

        throw Runtime.Native.Interop.Errno.ToSocketException(negativeErrno);
    }
}
