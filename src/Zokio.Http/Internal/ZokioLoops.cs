using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zokio.Runtime.Loops;

namespace Zokio.Http.Internal;

/// <summary>
/// The app's one set of event loops, registered by <c>AddZokio()</c>: Zokio's transport, the outbound connection
/// factory, the dashboard and application code (an <see cref="EventLoopGroup"/> resolved from DI) all run on it. Started
/// on first use, from the validated options, and stopped when the app's services are disposed.
/// </summary>
internal sealed class ZokioLoops(IOptions<ZokioOptions> options, ILoggerFactory loggerFactory) : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private EventLoopGroup? _group;
    private bool _disposed;

    /// <summary>The loops, started by the first caller.</summary>
    /// <exception cref="ObjectDisposedException">The app's services were disposed.</exception>
    public EventLoopGroup Group
    {
        get
        {
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                return _group ??= EventLoopGroup.Start(options.Value, loggerFactory);
            }
        }
    }

    /// <summary>The loops if something has started them, else null; never starts them (the dashboard reads this).</summary>
    public EventLoopGroup? Started
    {
        get
        {
            lock (_lock)
            {
                return _group;
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
