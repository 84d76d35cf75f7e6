using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Zokio.Runtime.Loops;

namespace Zokio.Http.Internal;

/// <summary>
/// Tells the loop which request it is running, so a stall report names the route ("GET /report") instead of just
/// the loop. Costs one field write per request; the label is formatted only when a stall is reported.
/// </summary>
internal sealed class RequestLabelStartupFilter : IStartupFilter
{
    static RequestLabelStartupFilter()
    {
        EventLoop.ApplicationContextFormatter = static context =>
            context is HttpContext http ? $"{http.Request.Method} {http.Request.Path}" : context.ToString() ?? "(unknown)";
    }

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(static (context, nextMiddleware) =>
        {
            EventLoop? loop = EventLoop.Current;
            if (loop is null)
            {
                return nextMiddleware(context);
            }

            loop.ApplicationContext = context;
            Task task = nextMiddleware(context);
            if (loop.ApplicationContext == context)
            {
                loop.ApplicationContext = null;
            }

            return task;
        });
        next(app);
    };
}
