using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Zokio.Transport.Internal.Errors;

namespace Zokio.Transport.Internal;

internal sealed partial class ZokioConnection
{
    private async Task DoSend()
    {
        Exception? shutdownReason = null;
        Exception? unexpectedError = null;
        try
        {
            await ProcessSends().ConfigureAwait(false);
        }
        catch (SocketException ex) when (SocketErrors.IsConnectionReset(ex.SocketErrorCode))
        {
            shutdownReason = new ConnectionResetException(ex.Message, ex);
            TransportLog.ConnectionReset(_logger, ConnectionId);
        }
        catch (SocketException ex) when (SocketErrors.IsConnectionAbort(ex.SocketErrorCode))
        {
            // Abort() ran Shutdown() first; its reason stands.
            shutdownReason = ex;
        }
        catch (Exception ex)
        {
            shutdownReason = ex;
            unexpectedError = ex;
            TransportLog.ConnectionError(_logger, ConnectionId, ex);
        }
        finally
        {
            Shutdown(shutdownReason);
            Output.Complete(unexpectedError);
            // Un-pause a receive loop waiting on a full input pipe, so it can end too.
            Input.CancelPendingFlush();
        }
    }

    private async Task ProcessSends()
    {
        PipeReader output = Output;
        while (true)
        {
            ReadResult result = await output.ReadAsync();
            if (result.IsCanceled)
            {
                // Abort(): what the application wrote before it aborted (HTTP/2's GOAWAY or RST_STREAM, say) still goes
                // out if the socket takes it at once, as it would have on Kestrel's Sockets transport, which sends
                // from the writing thread; then the connection closes.
                _socket.TrySend(result.Buffer);

                break;
            }

            ReadOnlySequence<byte> buffer = result.Buffer;
            SequencePosition end = buffer.End;
            bool isCompleted = result.IsCompleted;
            while (!buffer.IsEmpty)
            {
                int sent = await _socket.SendAsync(buffer);
                // A short send (epoll, or more segments than one sendmsg carries): send the rest.
                buffer = buffer.Slice(sent);
            }

            output.AdvanceTo(end);
            if (isCompleted)
            {
                break;
            }
        }
    }
}
