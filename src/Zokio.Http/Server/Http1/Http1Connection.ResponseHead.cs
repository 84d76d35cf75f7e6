using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Zokio.Http.Server.Http1;

/// <summary>
/// The response head: the status line, the application's headers, and what the server adds (framing, Connection,
/// Date, Server), with the body's framing chosen as Kestrel chooses it.
/// </summary>
internal abstract partial class Http1Connection
{
    private void WriteHead(bool appCompleted)
    {
        _hasStarted = true;
        Http1ResponseHeaders headers = _responseHeaders;
        headers.SetReadOnly();
        int status = _statusCode;
        bool keepAlive = _request.KeepAlive && !_closeRequested && !_upgraded;
        StringValues connection = headers.Connection;
        bool appSetConnection = connection.Count != 0;
        bool appClose = appSetConnection && HasToken(connection, "close");
        keepAlive &= !appClose;

        long? contentLength = headers.ContentLength;
        StringValues transferEncoding = headers.TransferEncoding;
        bool appChunked = transferEncoding.Count != 0;
        bool addContentLength = false;
        ResponseFraming framing;
        if (status == StatusCodes.Status101SwitchingProtocols)
        {
            framing = ResponseFraming.NoBody;
        }
        else if (IsHeadRequest || status is < 200 or StatusCodes.Status204NoContent or StatusCodes.Status304NotModified)
        {
            framing = ResponseFraming.NoBody;
        }
        else if (appChunked)
        {
            // The application asked for a transfer coding: chunked is the server's to apply; anything else ends with
            // the connection (RFC 9112 section 6.3).
            framing = HasLastToken(transferEncoding, "chunked") ? ResponseFraming.Chunked : ResponseFraming.UntilClose;
        }
        else if (contentLength is not null)
        {
            framing = ResponseFraming.ContentLength;
        }
        else if (appCompleted && _responseBody.BufferedBytes == 0)
        {
            // As Kestrel: a response that ends with nothing written says so (bytes written but never flushed are
            // still sent chunked).
            framing = ResponseFraming.ContentLength;
            contentLength = 0;
            addContentLength = true;
        }
        else if (ReferenceEquals(_protocol, HttpProtocol.Http11))
        {
            framing = ResponseFraming.Chunked;
        }
        else
        {
            framing = ResponseFraming.UntilClose;
        }

        if (framing == ResponseFraming.UntilClose)
        {
            keepAlive = false;
        }

        _responseKeepAlive = keepAlive;
        PipeWriter output = _output;
        var writer = new Http1ResponseWriter<PipeWriter>(ref output);
        writer.WriteStatusLine(status, _reasonPhrase);
        headers.WriteTo(ref writer);
        if (addContentLength)
        {
            writer.WriteContentLength(contentLength!.Value);
        }
        else if (framing == ResponseFraming.Chunked && !appChunked)
        {
            writer.WriteTransferEncodingChunked();
        }

        if (!keepAlive && !_upgraded && !appClose)
        {
            writer.WriteConnectionClose();
        }
        else if (keepAlive && ReferenceEquals(_protocol, HttpProtocol.Http10) && !appSetConnection)
        {
            writer.WriteConnectionKeepAlive();
        }

        if (!headers.HasDate)
        {
            writer.WriteDate(_server.Date);
        }

        if (!headers.HasServer && _server.AddServerHeader)
        {
            writer.WriteServer();
        }

        writer.EndHead();
        writer.Commit();
        OutputWritten();
        _responseBody.OnHeadWritten(framing, contentLength);
    }

    private static bool HasToken(StringValues values, string token)
    {
        foreach (string? value in values)
        {
            if (value is null)
            {
                continue;
            }

            foreach (Range range in value.AsSpan().Split(','))
            {
                if (value.AsSpan()[range].Trim().Equals(token, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool HasLastToken(StringValues values, string token)
    {
        string? last = values.Count > 0 ? values[values.Count - 1] : null;
        if (last is null)
        {
            return false;
        }

        int comma = last.LastIndexOf(',');
        return last.AsSpan(comma + 1).Trim().Equals(token, StringComparison.OrdinalIgnoreCase);
    }
}
