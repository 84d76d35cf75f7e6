using Microsoft.Extensions.Logging;
using Zokio.Runtime.Loops;

namespace Zokio.Transport.Internal;

/// <summary>Starts the event loops on first use (binding or connecting), once, and stops them on dispose.</summary>
internal sealed class LoopGroupHolder(ZokioTransportOptions options, ILoggerFactory loggerFactory) : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private EventLoopGroup? _group;
    private bool _disposed;

    public EventLoopGroup Group
    {
        get
        {
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                return _group ??= EventLoopGroup.Start(options, loggerFactory);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        EventLoopGroup? group;
        lock (_lock)
        {
            _disposed = true;
            group = _group;
        }

        if (group is not null)
        {
            await group.DisposeAsync().ConfigureAwait(false);
        }
    }
}
