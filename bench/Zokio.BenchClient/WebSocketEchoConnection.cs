using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Zokio.BenchClient;

/// <summary>
/// One WebSocket client connection reduced to what an echo load needs (RFC 6455): the opening handshake, one small
/// masked text frame sent again and again, its unmasked echo compared byte for byte, and the closing handshake. Raw
/// sockets rather than <see cref="System.Net.WebSockets.ClientWebSocket"/>, so that the load generator, on one core,
/// spends as little as it can per message and the server stays the bottleneck.
/// </summary>
internal sealed class WebSocketEchoConnection : IDisposable
{
    // RFC 6455 1.3: the server proves the handshake by hashing the client's key with this GUID.
    private const string HandshakeGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private const byte FinText = 0x81;
    private const byte FinClose = 0x88;
    private const byte MaskBit = 0x80;

    /// <summary>Largest message this client sends: one byte of length in the frame header (RFC 6455 5.2).</summary>
    public const int MaxMessageBytes = 125;

    private readonly Socket _socket;
    private readonly byte[] _frame;
    private readonly byte[] _expectedEcho;
    private readonly byte[] _receive;

    private WebSocketEchoConnection(Socket socket, byte[] message)
    {
        _socket = socket;
        _frame = MaskedFrame(FinText, message);
        _expectedEcho = [FinText, (byte)message.Length, .. message];
        _receive = new byte[Math.Max(_expectedEcho.Length, 2 + MaxMessageBytes)];
    }

    /// <summary>Connects to <paramref name="uri"/> (ws://host:port/path) and completes the opening handshake.</summary>
    public static async Task<WebSocketEchoConnection> ConnectAsync(Uri uri, byte[] message, CancellationToken cancellationToken)
    {
        if (message.Length > MaxMessageBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(message), $"Messages are at most {MaxMessageBytes} bytes; got {message.Length}.");
        }

        Socket socket = new(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new DnsEndPoint(uri.Host, uri.Port), cancellationToken);
            WebSocketEchoConnection connection = new(socket, message);
            await connection.HandshakeAsync(uri, cancellationToken);
            return connection;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends the message and waits for its echo. Throws <see cref="EchoMismatchException"/> when other bytes come back.</summary>
    public async ValueTask EchoAsync()
    {
        await SendAsync(_frame);
        await ReceiveExactlyAsync(_expectedEcho.Length);
        if (!_receive.AsSpan(0, _expectedEcho.Length).SequenceEqual(_expectedEcho))
        {
            throw new EchoMismatchException($"expected the {_expectedEcho.Length - 2}-byte text frame back, got {Convert.ToHexString(_receive, 0, _expectedEcho.Length)}");
        }
    }

    /// <summary>Closing handshake with <paramref name="status"/> and <paramref name="reason"/>; the server must answer with the same.</summary>
    public async ValueTask CloseAsync(ushort status, string reason)
    {
        byte[] payload = new byte[2 + Encoding.UTF8.GetByteCount(reason)];
        BinaryPrimitives.WriteUInt16BigEndian(payload, status);
        Encoding.UTF8.GetBytes(reason, payload.AsSpan(2));
        await SendAsync(MaskedFrame(FinClose, payload));

        byte[] expected = [FinClose, (byte)payload.Length, .. payload];
        await ReceiveExactlyAsync(expected.Length);
        if (!_receive.AsSpan(0, expected.Length).SequenceEqual(expected))
        {
            throw new EchoMismatchException($"the close frame must echo status {status} and reason \"{reason}\"; got {Convert.ToHexString(_receive, 0, expected.Length)}");
        }
    }

    public void Dispose() => _socket.Dispose();

    private async Task HandshakeAsync(Uri uri, CancellationToken cancellationToken)
    {
        string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        string request = $"GET {uri.PathAndQuery} HTTP/1.1\r\nHost: {uri.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
        await _socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, cancellationToken);

        // The server sends nothing after its 101 until it has a frame to echo, so reading up to the blank line is exact.
        byte[] buffer = new byte[4096];
        int length = 0;
        int end;
        while ((end = buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8)) < 0)
        {
            int read = length < buffer.Length ? await _socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cancellationToken) : 0;
            if (read == 0)
            {
                throw new IOException($"the server closed the connection or sent over {buffer.Length} bytes before ending its handshake response");
            }

            length += read;
        }

        string response = Encoding.ASCII.GetString(buffer, 0, end);
        string accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + HandshakeGuid)));
        if (!response.StartsWith("HTTP/1.1 101", StringComparison.Ordinal) ||
            !response.Contains($"\r\nSec-WebSocket-Accept: {accept}", StringComparison.OrdinalIgnoreCase) ||
            end + 4 != length)
        {
            throw new IOException($"the WebSocket handshake failed: {response.ReplaceLineEndings(" | ")}");
        }
    }

    private async ValueTask SendAsync(byte[] frame)
    {
        int sent = 0;
        while (sent < frame.Length)
        {
            sent += await _socket.SendAsync(frame.AsMemory(sent), SocketFlags.None);
        }
    }

    private async ValueTask ReceiveExactlyAsync(int length)
    {
        int received = 0;
        while (received < length)
        {
            int read = await _socket.ReceiveAsync(_receive.AsMemory(received, length - received), SocketFlags.None);
            if (read == 0)
            {
                throw new IOException($"the server closed the connection after {received} of {length} expected bytes");
            }

            received += read;
        }
    }

    // A client's frames must be masked (RFC 6455 5.3); the mask is fixed per frame, so the frame is built once.
    private static byte[] MaskedFrame(byte opcode, ReadOnlySpan<byte> payload)
    {
        byte[] frame = new byte[6 + payload.Length];
        frame[0] = opcode;
        frame[1] = (byte)(MaskBit | payload.Length);
        Span<byte> mask = frame.AsSpan(2, 4);
        RandomNumberGenerator.Fill(mask);
        for (int i = 0; i < payload.Length; i++)
        {
            frame[6 + i] = (byte)(payload[i] ^ mask[i % 4]);
        }

        return frame;
    }
}
