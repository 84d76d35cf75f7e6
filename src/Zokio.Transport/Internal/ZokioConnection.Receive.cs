using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
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
            await ProcessReceives().ConfigureAwait(false);
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
            if (Loop.ApplicationScheduler == PipeScheduler.ThreadPool)
            {
                Input.Complete(reason);
                FireConnectionClosed();
            }
            else
            {
                // Kestrel learns the connection ended before it can see the last bytes: with a request and the client's
                // FIN read together, the request must not start answering on the thread pool (where Kestrel parses a
                // connection's first request) while the loop is still getting to the FIN.
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
            ValueTask<FlushResult> flushTask = input.FlushAsync();
            bool paused = !flushTask.IsCompleted;
            if (paused)
            {
                TransportLog.ConnectionPause(_logger, ConnectionId);
            }

            FlushResult result = await flushTask;
            if (paused)
            {
                TransportLog.ConnectionResume(_logger, ConnectionId);
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                // The application is done reading.
                break;
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
