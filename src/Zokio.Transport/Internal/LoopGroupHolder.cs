using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zokio.Runtime.Loops;

namespace Zokio.Transport.Internal;

/// <summary>
/// What both factories share: validated options, the transport's logger, and the event loops, started on first use
/// (binding or connecting), once, and stopped on dispose.
/// </summary>
internal sealed class LoopGroupHolder : IAsyncDisposable
{
    private readonly ILoggerFactory _loggerFactory;
    private readonly Lock _lock = new();
    private EventLoopGroup? _group;
    private bool _disposed;

    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public LoopGroupHolder(IOptions<ZokioTransportOptions> options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        Options = options.Value;
        Options.Validate();
        Logger = loggerFactory.CreateLogger("Zokio.Transport");
        _loggerFactory = loggerFactory;
    }

    public ZokioTransportOptions Options { get; }

    public ILogger Logger { get; }

    public EventLoopGroup Group
    {
        get
        {
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                return _group ??= EventLoopGroup.Start(Options, _loggerFactory);
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
