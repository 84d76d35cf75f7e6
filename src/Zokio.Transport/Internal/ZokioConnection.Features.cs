using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Zokio.Transport.Internal;

internal sealed partial class ZokioConnection :
    IConnectionIdFeature,
    IConnectionTransportFeature,
    IConnectionItemsFeature,
    IMemoryPoolFeature,
    IConnectionLifetimeFeature,
    IConnectionEndPointFeature,
    IConnectionSocketFeature
{
    private Socket? _socketView;

    public override IFeatureCollection Features { get; }

    MemoryPool<byte> IMemoryPoolFeature.MemoryPool => Loop.MemoryPool;

    /// <summary>
    /// A <see cref="System.Net.Sockets.Socket"/> over the connection's fd, made on first use, for code that sets
    /// socket options. It does not own the fd: Zokio closes it. Reading or writing through it bypasses the pipes.
    /// </summary>
    Socket IConnectionSocketFeature.Socket => _socketView ??= new Socket(new SafeSocketHandle(_socket.Handle, ownsHandle: false));

    private ConnectionFeatureCollection CreateFeatures()
    {
        ConnectionFeatureCollection features = new();
        features.Set<IConnectionIdFeature>(this);
        features.Set<IConnectionTransportFeature>(this);
        features.Set<IConnectionItemsFeature>(this);
        features.Set<IMemoryPoolFeature>(this);
        features.Set<IConnectionLifetimeFeature>(this);
        features.Set<IConnectionEndPointFeature>(this);
        features.Set<IConnectionSocketFeature>(this);
        // The loop serving the connection, for application code off the loop thread (HttpContext.Features.Get<EventLoop>()).
        features.Set(Loop);
        return features;
    }

    EndPoint? IConnectionEndPointFeature.LocalEndPoint
    {
        get => LocalEndPoint;
        set => LocalEndPoint = value;
    }

    EndPoint? IConnectionEndPointFeature.RemoteEndPoint
    {
        get => RemoteEndPoint;
        set => RemoteEndPoint = value;
    }

    void IConnectionLifetimeFeature.Abort() => Abort(new ConnectionAbortedException("The connection was aborted by the application via IConnectionLifetimeFeature.Abort()."));
}
