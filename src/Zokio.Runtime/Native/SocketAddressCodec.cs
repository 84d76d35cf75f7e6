using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Zokio.Runtime.Native;

/// <summary>Converts between <see cref="EndPoint"/>s and the kernel's <c>sockaddr_in</c>, <c>sockaddr_in6</c> and <c>sockaddr_un</c>.</summary>
internal static class SocketAddressCodec
{
    /// <summary>Large enough for any sockaddr Zokio handles (<c>sizeof(struct sockaddr_storage)</c>).</summary>
    public const int MaxSize = 128;

    private const int SunPathOffset = 2;

    /// <summary>The address family (AF_*) for an endpoint, or -1 when Zokio cannot serve it.</summary>
    public static int FamilyOf(EndPoint endPoint) => endPoint switch
    {
        IPEndPoint ip when ip.AddressFamily == AddressFamily.InterNetwork => Interop.Sys.AF_INET,
        IPEndPoint ip when ip.AddressFamily == AddressFamily.InterNetworkV6 => Interop.Sys.AF_INET6,
        UnixDomainSocketEndPoint => Interop.Sys.AF_UNIX,
        _ => -1,
    };

    /// <summary>Writes the sockaddr for <paramref name="endPoint"/> and returns its length.</summary>
    public static int Write(EndPoint endPoint, Span<byte> destination)
    {
        destination.Clear();
        switch (endPoint)
        {
            case IPEndPoint ip when ip.AddressFamily == AddressFamily.InterNetwork:
                BinaryPrimitives.WriteUInt16LittleEndian(destination, Interop.Sys.AF_INET);
                BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)ip.Port);
                ip.Address.TryWriteBytes(destination.Slice(4, 4), out _);
                return 16;
            case IPEndPoint ip6 when ip6.AddressFamily == AddressFamily.InterNetworkV6:
                BinaryPrimitives.WriteUInt16LittleEndian(destination, Interop.Sys.AF_INET6);
                BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)ip6.Port);
                ip6.Address.TryWriteBytes(destination.Slice(8, 16), out _);
                BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], (uint)ip6.Address.ScopeId);
                return 28;
            case UnixDomainSocketEndPoint unix:
                // UnixDomainSocketEndPoint has already refused paths longer than sun_path (108 bytes with the NUL).
                string path = unix.ToString();
                int length = Encoding.UTF8.GetByteCount(path);
                BinaryPrimitives.WriteUInt16LittleEndian(destination, Interop.Sys.AF_UNIX);
                Encoding.UTF8.GetBytes(path, destination[SunPathOffset..]);
                // Abstract socket names start with NUL and are not NUL-terminated; a path is.
                return SunPathOffset + length + (path.Length > 0 && path[0] == '\0' ? 0 : 1);
            default:
                throw new NotSupportedException($"Zokio cannot make a socket address for endpoint type {endPoint.GetType().FullName}.");
        }
    }

    /// <summary>Reads a sockaddr written by the kernel (accept, getsockname, getpeername).</summary>
    public static EndPoint? Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < 2)
        {
            return null;
        }

        switch (BinaryPrimitives.ReadUInt16LittleEndian(source))
        {
            case Interop.Sys.AF_INET when source.Length >= 8:
                return new IPEndPoint(new IPAddress(source.Slice(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(source[2..]));
            case Interop.Sys.AF_INET6 when source.Length >= 28:
                uint scope = BinaryPrimitives.ReadUInt32LittleEndian(source[24..]);
                return new IPEndPoint(new IPAddress(source.Slice(8, 16), scope), BinaryPrimitives.ReadUInt16BigEndian(source[2..]));
            case Interop.Sys.AF_UNIX:
                ReadOnlySpan<byte> path = source[SunPathOffset..];
                if (path.Length > 0 && path[0] != 0)
                {
                    int nul = path.IndexOf((byte)0);
                    path = nul >= 0 ? path[..nul] : path;
                }

                // An unnamed peer (a client that never bound) has no path; Socket reports no endpoint for it either.
                return path.IsEmpty ? null : new UnixDomainSocketEndPoint(Encoding.UTF8.GetString(path));
            default:
                return null;
        }
    }
}
