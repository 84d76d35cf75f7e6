using Microsoft.AspNetCore.Builder;
using Zokio.Http;

namespace Zokio.Http.Tests.Server;

/// <summary>
/// The echo app of <see cref="KestrelOracle"/> served by Zokio's server (<c>--Zokio:Server=Zokio</c>) on io_uring: the
/// same app, limits and connection watch, so every differential case runs on both servers with the same assertions.
/// </summary>
public sealed class ZokioServerOnIoUring : KestrelOracle
{
    protected override string[] Arguments => ["--Zokio:Server=Zokio", "--Zokio:Backend=IoUring", "--Zokio:LoopCount=2"];

    protected override void ConfigureServer(WebApplicationBuilder builder) => builder.WebHost.UseZokio();
}

/// <summary><see cref="ZokioServerOnIoUring"/> on epoll.</summary>
public sealed class ZokioServerOnEpoll : KestrelOracle
{
    protected override string[] Arguments => ["--Zokio:Server=Zokio", "--Zokio:Backend=Epoll", "--Zokio:LoopCount=2"];

    protected override void ConfigureServer(WebApplicationBuilder builder) => builder.WebHost.UseZokio();
}
