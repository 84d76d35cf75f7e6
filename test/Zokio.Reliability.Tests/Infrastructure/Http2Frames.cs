using System.Buffers.Binary;
using System.Text;

namespace Zokio.Reliability.Tests;

/// <summary>One HTTP/2 frame as read off the wire (RFC 9113, section 4.1).</summary>
internal sealed record Http2Frame(byte Type, byte Flags, int StreamId, byte[] Payload)
{
    /// <summary>The error code of a GOAWAY or RST_STREAM frame.</summary>
    public Http2ErrorCode ErrorCode => (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(Payload.AsSpan(Type == Http2Frames.GoAway ? 4 : 0));

    public bool IsAck => (Flags & Http2Frames.FlagAck) != 0;
}

/// <summary>HTTP/2 error codes (RFC 9113, section 7).</summary>
internal enum Http2ErrorCode : uint
{
    NoError = 0x0,
    ProtocolError = 0x1,
    InternalError = 0x2,
    FlowControlError = 0x3,
    SettingsTimeout = 0x4,
    StreamClosed = 0x5,
    FrameSizeError = 0x6,
    RefusedStream = 0x7,
    Cancel = 0x8,
    CompressionError = 0x9,
    ConnectError = 0xa,
    EnhanceYourCalm = 0xb,
    InadequateSecurity = 0xc,
    Http11Required = 0xd,
}

/// <summary>Builds the few HTTP/2 frames the tests send by hand, and reads frames from a <see cref="RawConnection"/>.</summary>
internal static class Http2Frames
{
    public const byte Headers = 0x1;
    public const byte RstStream = 0x3;
    public const byte Settings = 0x4;
    public const byte Ping = 0x6;
    public const byte GoAway = 0x7;

    public const byte FlagAck = 0x1;
    public const byte FlagEndStream = 0x1;
    public const byte FlagEndHeaders = 0x4;

    /// <summary>The client connection preface followed by an empty SETTINGS frame.</summary>
    public static byte[] PrefaceAndSettings() => [.. "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8, .. Frame(Settings, 0, 0, [])];

    public static byte[] Frame(byte type, byte flags, int streamId, ReadOnlySpan<byte> payload)
    {
        byte[] frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), streamId & int.MaxValue);
        payload.CopyTo(frame.AsSpan(9));
        return frame;
    }

    /// <summary>HEADERS for GET <paramref name="path"/> that ends the stream, HPACK-encoded without the dynamic table.</summary>
    public static byte[] GetRequest(int streamId, string path)
    {
        List<byte> block =
        [
            0x82, // :method GET (static index 2)
            0x86, // :scheme http (static index 6)
        ];
        AddLiteral(block, nameIndex: 4, path);          // :path
        AddLiteral(block, nameIndex: 1, "127.0.0.1");   // :authority
        return Frame(Headers, FlagEndStream | FlagEndHeaders, streamId, [.. block]);
    }

    public static byte[] ResetStream(int streamId, Http2ErrorCode code)
    {
        byte[] payload = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)code);
        return Frame(RstStream, 0, streamId, payload);
    }

    public static byte[] PingFrame(long data)
    {
        byte[] payload = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(payload, data);
        return Frame(Ping, 0, 0, payload);
    }

    public static async Task<Http2Frame> ReadFrameAsync(this RawConnection connection, CancellationToken cancellationToken)
    {
        byte[] header = await connection.ReadExactlyAsync(9, cancellationToken);
        int length = (header[0] << 16) | (header[1] << 8) | header[2];
        byte[] payload = length == 0 ? [] : await connection.ReadExactlyAsync(length, cancellationToken);
        return new Http2Frame(header[3], header[4], BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(5)) & int.MaxValue, payload);
    }

    // Literal header field without indexing, indexed name, plain (not Huffman) value: RFC 7541, section 6.2.2.
    private static void AddLiteral(List<byte> block, byte nameIndex, string value)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(value);
        if (nameIndex >= 15 || bytes.Length >= 127)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "Only short literals with a small name index are encoded here.");
        }

        block.Add(nameIndex);
        block.Add((byte)bytes.Length);
        block.AddRange(bytes);
    }
}
