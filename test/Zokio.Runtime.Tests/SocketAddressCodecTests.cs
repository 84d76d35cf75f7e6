using System.Net;
using System.Net.Sockets;
using Zokio.Runtime.Native;

namespace Zokio.Runtime.Tests;

public class SocketAddressCodecTests
{
    public static TheoryData<EndPoint> EndPoints => new()
    {
        new IPEndPoint(IPAddress.Parse("10.1.2.3"), 8080),
        new IPEndPoint(IPAddress.Parse("fe80::1234"), 443),
        new IPEndPoint(IPAddress.IPv6Loopback, 1),
        new UnixDomainSocketEndPoint("/tmp/zokio-codec.sock"),
    };

    [Theory, MemberData(nameof(EndPoints))]
    public void Endpoints_survive_a_round_trip_through_the_kernel_layout(EndPoint endPoint)
    {
        Span<byte> buffer = stackalloc byte[SocketAddressCodec.MaxSize];
        int length = SocketAddressCodec.Write(endPoint, buffer);
        Assert.Equal(endPoint, SocketAddressCodec.Read(buffer[..length]));
        Assert.True(SocketAddressCodec.FamilyOf(endPoint) > 0);
    }

    [Fact]
    public void The_layout_matches_what_dotnet_sockets_produce()
    {
        IPEndPoint endPoint = new(IPAddress.Parse("192.168.1.20"), 5000);
        Span<byte> ours = stackalloc byte[SocketAddressCodec.MaxSize];
        int length = SocketAddressCodec.Write(endPoint, ours);
        SocketAddress theirs = endPoint.Serialize();
        Assert.Equal(theirs.Buffer.Span[..length].ToArray(), ours[..length].ToArray());
    }

    [Fact]
    public void Unsupported_or_oversized_addresses_are_refused_with_a_reason()
    {
        Assert.Equal(-1, SocketAddressCodec.FamilyOf(new DnsEndPoint("localhost", 1)));
        byte[] buffer = new byte[SocketAddressCodec.MaxSize];
        Assert.Contains("DnsEndPoint", Assert.Throws<NotSupportedException>(() => SocketAddressCodec.Write(new DnsEndPoint("localhost", 1), buffer)).Message);
        Assert.Null(SocketAddressCodec.Read([1]));
        Assert.Null(SocketAddressCodec.Read([1, 0]));
        Assert.Null(SocketAddressCodec.Read([99, 0, 0, 0]));
    }
}
