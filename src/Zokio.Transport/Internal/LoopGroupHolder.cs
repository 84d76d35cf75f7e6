using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zokio.Runtime.Loops;

namespace Zokio.Transport.Internal;

/// <summary>
/// What both factories share: validated options, the transport's logger, and the event loops: either a group the
/// caller owns (shared with other users; never stopped here), or one of the factory's own, started on first use
/// (binding or connecting), once, and stopped on dispose.
/// </summary>
internal sealed class LoopGroupHolder : IAsyncDisposable
{
    private readonly ILoggerFactory _loggerFactory;
    private readonly Lock _lock = new();
    private readonly bool _ownsGroup = true;
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

    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public LoopGroupHolder(EventLoopGroup group, IOptions<ZokioTransportOptions> options, ILoggerFactory loggerFactory)
        : this(options, loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(group);
        _group = group;
        _ownsGroup = false;
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
            group = _ownsGroup ? _group : null;
        }

        if (group is not null)
        {
            await group.DisposeAsync().ConfigureAwait(false);
        }
    }
}
