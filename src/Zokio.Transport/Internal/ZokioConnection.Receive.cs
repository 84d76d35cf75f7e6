using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Zokio.Runtime.Net;
using Zokio.Transport.Internal.Errors;

namespace Zokio.Transport.Internal;

internal sealed partial class ZokioConnection
{
    private async Task DoReceive()
    {
        Exception? error = null;
        try
        {
            SocketError failed = await ProcessReceives().ConfigureAwait(false);
            if (failed != SocketError.Success)
            {
                // After Shutdown() (every connection the server closes) nothing is thrown: the reason is built only
                // when it is not already known, and then as Kestrel's Sockets transport reports it.
                error = _shutdownReason ?? ReceiveFailed(new SocketException((int)failed));
            }
        }
        catch (SocketException ex)
        {
            error = ReceiveFailed(ex);
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

    /// <summary>
    /// The exception the application's input ends with after <paramref name="ex"/>, logged as the Sockets transport logs
    /// it: a <see cref="ConnectionResetException"/> for a reset peer, else the socket's own.
    /// </summary>
    private Exception ReceiveFailed(SocketException ex)
    {
        if (SocketErrors.IsConnectionReset(ex.SocketErrorCode))
        {
            if (!_shutdown)
            {
                TransportLog.ConnectionReset(_logger, ConnectionId);
            }

            return new ConnectionResetException(ex.Message, ex);
        }

        // An abort is expected after Shutdown(): _shutdownReason says why, and wins in DoReceive.
        if (!SocketErrors.IsConnectionAbort(ex.SocketErrorCode) || !_shutdown)
        {
            TransportLog.ConnectionError(_logger, ConnectionId, ex);
        }

        return ex;
    }

    /// <summary>Receives until the peer's FIN or the application stops reading (Success), or an error (its code).</summary>
    private async Task<SocketError> ProcessReceives()
    {
        PipeWriter input = Input;
        try
        {
            while (true)
            {
                ReceiveResult received = await _socket.ReceiveAsync(input);
                if (received.Error != SocketError.Success)
                {
                    return received.Error;
                }

                if (received.IsEndOfStream)
                {
                    // With bytes that came with the FIN too: the app sees the end of the connection before it runs on
                    // them (DoReceive completes the pipe), as on the Sockets transport.
                    TransportLog.ConnectionReadFin(_logger, ConnectionId);
                    return SocketError.Success;
                }

                if (!await FlushReceivedAsync(input))
                {
                    // The application is done reading.
                    return SocketError.Success;
                }
            }
        }
        finally
        {
            // Nothing more goes into the pipe once this returns, so DoReceive may complete it.
            await _socket.StopReceivingAsync();
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
            // the readiness + recv path nothing is in flight and the receive loop simply waits here.
            TransportLog.ConnectionPause(_logger, ConnectionId);
            _socket.PauseReceiving();
        }

        FlushResult result = await flushTask;
        if (paused)
        {
            TransportLog.ConnectionResume(_logger, ConnectionId);
        }

        return !result.IsCompleted && !result.IsCanceled;
    }
}
