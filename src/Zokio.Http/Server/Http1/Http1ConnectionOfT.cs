using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Abstractions;

namespace Zokio.Http.Server.Http1;

/// <summary>
/// An HTTP/1.1 connection running one application. It holds the host's per-request context between requests
/// (<see cref="IHostContextContainer{TContext}"/>), so the host reuses its <c>HttpContext</c> as it does on Kestrel.
/// </summary>
internal sealed class Http1Connection<TContext>(Http1Server server, ConnectionContext connection, IHttpApplication<TContext> application)
    : Http1Connection(server, connection), IHostContextContainer<TContext>
    where TContext : notnull
{
    private TContext? _context;

    public TContext? HostContext { get; set; }

    protected override Task RunApplicationAsync()
    {
        _context = application.CreateContext(this);
        return application.ProcessRequestAsync(_context);
    }

    protected override void DisposeContext(Exception? error)
    {
        if (_context is { } context)
        {
            _context = default;
            application.DisposeContext(context, error);
        }
    }

    protected override object? OwnFeatureOf(Type key) => key == typeof(IHostContextContainer<TContext>) ? this : null;
}
