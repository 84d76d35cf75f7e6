using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Zokio.Reliability.Tests;

/// <summary>How the server ended a connection, as the client saw it.</summary>
internal enum ConnectionEnd
{
    /// <summary>An orderly close: a read returned 0.</summary>
    Fin,

    /// <summary>A reset: a read failed with ECONNRESET.</summary>
    Reset,
}

/// <summary>
/// A client connection on loopback that speaks raw bytes, so a test controls exactly what reaches the server (malformed
/// requests, half-closes, resets) and sees exactly how the server answers and ends the connection.
/// </summary>
internal sealed class RawConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _buffer;
    private int _start;
    private int _end;

    private RawConnection(Socket socket, int bufferSize)
    {
        _socket = socket;
        _buffer = new byte[bufferSize];
    }

    /// <summary>Connects to 127.0.0.1:<paramref name="port"/>.</summary>
    /// <param name="port">The server's loopback port.</param>
    /// <param name="cancellationToken">Ends the connect.</param>
    /// <param name="bufferSize">This side's read buffer; a response head must fit in it.</param>
    /// <param name="kernelReceiveBuffer">SO_RCVBUF, set before connecting (so the window follows it); null for the kernel's autotuning.</param>
    public static async Task<RawConnection> ConnectAsync(int port, CancellationToken cancellationToken, int bufferSize = 64 * 1024, int? kernelReceiveBuffer = null)
    {
        Socket socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (kernelReceiveBuffer is int size)
        {
            socket.ReceiveBufferSize = size;
        }

        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
            return new RawConnection(socket, bufferSize);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async Task SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            int sent = await _socket.SendAsync(data, SocketFlags.None, cancellationToken);
            data = data[sent..];
        }
    }

    public Task SendAsync(string text, CancellationToken cancellationToken) => SendAsync(Encoding.Latin1.GetBytes(text), cancellationToken);

    /// <summary>shutdown(SHUT_WR): the server reads end-of-stream; this side can still read.</summary>
    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>Closes with linger 0, so the kernel sends a reset instead of a FIN.</summary>
    public void Reset()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Dispose();
    }

    public void Dispose() => _socket.Dispose();

    /// <summary>Reads one HTTP/1.1 response with its whole body (Content-Length, chunked, or up to the close).</summary>
    public async Task<Http1Response> ReadResponseAsync(CancellationToken cancellationToken)
    {
        Http1Response head = await ReadResponseHeadAsync(cancellationToken);
        MemoryStream body = new();
        await ReadBodyAsync(head, chunk => body.Write(chunk.Span), cancellationToken);
        return head with { Body = body.ToArray() };
    }

    /// <summary>Reads a response's status line and headers; the body is left for <see cref="ReadBodyAsync"/>.</summary>
    public async Task<Http1Response> ReadResponseHeadAsync(CancellationToken cancellationToken)
    {
        int headEnd;
        while ((headEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (_end - _start == _buffer.Length)
            {
                throw new InvalidDataException($"The response head is larger than the {_buffer.Length}-byte buffer.");
            }

            if (await FillAsync(cancellationToken) == 0)
            {
                throw new EndOfStreamException($"The server closed the connection before a complete response head ({_end - _start} byte(s) received).");
            }
        }

        string head = Encoding.Latin1.GetString(_buffer, _start, headEnd);
        _start += headEnd + 4;
        string[] lines = head.Split("\r\n");
        string[] status = lines[0].Split(' ', 3);
        List<KeyValuePair<string, string>> headers = [];
        foreach (string line in lines.Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            headers.Add(new(line[..colon].Trim(), line[(colon + 1)..].Trim()));
        }

        return new Http1Response(int.Parse(status[1], System.Globalization.CultureInfo.InvariantCulture), headers, []);
    }

    /// <summary>Reads the body of <paramref name="head"/>, handing each received piece to <paramref name="onData"/>.</summary>
    public async Task ReadBodyAsync(Http1Response head, Action<ReadOnlyMemory<byte>> onData, CancellationToken cancellationToken)
    {
        if (head.Header("Transfer-Encoding") is { } encoding && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            while (true)
            {
                string sizeLine = await ReadLineAsync(cancellationToken);
                long size = long.Parse(sizeLine.Split(';')[0], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
                if (size == 0)
                {
                    // Trailers, up to the empty line.
                    while ((await ReadLineAsync(cancellationToken)).Length > 0)
                    {
                    }

                    return;
                }

                await ReadCountAsync(size, onData, cancellationToken);
                await ReadLineAsync(cancellationToken);
            }
        }

        if (head.ContentLength is long length)
        {
            await ReadCountAsync(length, onData, cancellationToken);
            return;
        }

        // No length: the body runs to the close.
        while (_end > _start || await FillAsync(cancellationToken) > 0)
        {
            onData(_buffer.AsMemory(_start, _end - _start));
            _start = _end;
        }
    }

    /// <summary>Reads and discards everything up to the server's close; returns the byte count and how it ended.</summary>
    public async Task<(long Bytes, ConnectionEnd End)> ReadToEndAsync(CancellationToken cancellationToken)
    {
        long bytes = _end - _start;
        _start = _end;
        try
        {
            int read;
            while ((read = await FillAsync(cancellationToken)) > 0)
            {
                bytes += read;
                _start = _end;
            }

            return (bytes, ConnectionEnd.Fin);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return (bytes, ConnectionEnd.Reset);
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes (HTTP/2 frames).</summary>
    public async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
    {
        byte[] result = new byte[count];
        int copied = 0;
        await ReadCountAsync(count, chunk =>
        {
            chunk.Span.CopyTo(result.AsSpan(copied));
            copied += chunk.Length;
        }, cancellationToken);
        return result;
    }

    private async Task ReadCountAsync(long count, Action<ReadOnlyMemory<byte>> onData, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            if (_end == _start && await FillAsync(cancellationToken) == 0)
            {
                throw new EndOfStreamException($"The server closed the connection with {count} byte(s) of the body still to come.");
            }

            int take = (int)Math.Min(count, _end - _start);
            onData(_buffer.AsMemory(_start, take));
            _start += take;
            count -= take;
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        int lineEnd;
        while ((lineEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0)
        {
            if (await FillAsync(cancellationToken) == 0)
            {
                throw new EndOfStreamException("The server closed the connection in the middle of a line.");
            }
        }

        string line = Encoding.Latin1.GetString(_buffer, _start, lineEnd);
        _start += lineEnd + 2;
        return line;
    }

    /// <summary>Receives more bytes behind the unread ones; returns how many (0 at the server's FIN).</summary>
    private async Task<int> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        try
        {
            int read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
            _end += read;
            return read;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The server sent nothing more and did not close the connection before the test's timeout ({_end} byte(s) received and not yet consumed).");
        }
    }
}

/// <summary>One HTTP/1.1 response as read off the wire.</summary>
internal sealed record Http1Response(int StatusCode, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    public long? ContentLength => Header("Content-Length") is { } value ? long.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>Whether the server said it closes the connection after this response.</summary>
    public bool ConnectionClose => Header("Connection") is { } value && value.Contains("close", StringComparison.OrdinalIgnoreCase);

    public string? Header(string name) => Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}
