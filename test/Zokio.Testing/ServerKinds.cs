using Microsoft.AspNetCore.Builder;
using Zokio.Http;

namespace Zokio.Testing;

/// <summary>A server an application test runs on.</summary>
public enum ServerKind
{
    /// <summary>Kestrel on its Sockets transport (<c>Zokio:Enabled=false</c>): the reference every other kind must match.</summary>
    KestrelSockets,

    /// <summary>Zokio's server on io_uring loops.</summary>
    ZokioIoUring,

    /// <summary>Zokio's server on epoll loops.</summary>
    ZokioEpoll,
}

/// <summary>
/// Theory data: every application test runs on Kestrel (Sockets) and on Zokio's server on both backends, with the same
/// assertions. Each kind is chosen the way an operator chooses it: command-line arguments on an app that calls
/// <c>UseZokio()</c>.
/// </summary>
public static class ServerKinds
{
    public static IReadOnlyList<ServerKind> Kinds { get; } = [ServerKind.KestrelSockets, ServerKind.ZokioIoUring, ServerKind.ZokioEpoll];

    public static TheoryData<ServerKind> All => new(Kinds);

    /// <summary>Every server kind with each of <paramref name="values"/>: a theory's other parameter, on every server.</summary>
    public static TheoryData<ServerKind, T> With<T>(params T[] values)
    {
        TheoryData<ServerKind, T> data = new();
        foreach (T value in values)
        {
            foreach (ServerKind kind in Kinds)
            {
                data.Add(kind, value);
            }
        }

        return data;
    }

    /// <summary>The command line that selects <paramref name="kind"/>.</summary>
    public static string[] Arguments(ServerKind kind) => kind switch
    {
        ServerKind.KestrelSockets => ["--Zokio:Enabled=false"],
        ServerKind.ZokioIoUring => ["--Zokio:Server=Zokio", "--Zokio:Backend=IoUring", "--Zokio:LoopCount=2"],
        ServerKind.ZokioEpoll => ["--Zokio:Server=Zokio", "--Zokio:Backend=Epoll", "--Zokio:LoopCount=2"],
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>What the <c>Server</c> response header says on <paramref name="kind"/>.</summary>
    public static string ServerHeader(ServerKind kind) => kind == ServerKind.KestrelSockets ? "Kestrel" : "Zokio";

    /// <summary>
    /// An app builder listening on 127.0.0.1:0 (HTTP/1.1) and served by <paramref name="kind"/>; <paramref name="args"/>
    /// are the app's own command-line arguments.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(ServerKind kind, params string[] args)
    {
        WebApplicationBuilder builder = TestHost.CreateBuilder([.. Arguments(kind), .. args]);
        builder.WebHost.UseZokio();
        return builder;
    }
}
