using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace Zokio.Reliability.Tests;

/// <summary>How connections end: abort, FinOnError, connection middleware, and buffer limits Sockets accepts.</summary>
public class ConnectionEndTests
{
    [Theory, MemberData(nameof(Transports.WithSockets), MemberType = typeof(Transports))]
    public async Task Abort_in_a_handler_resets_the_connection(ServerTransport transport)
    {
        (long bytes, ConnectionEnd end) = await RequestAbortingHandlerAsync(transport, finOnError: false);

        Assert.Equal(0, bytes);
        Assert.Equal(ConnectionEnd.Reset, end);
    }

    [Theory, MemberData(nameof(Transports.WithSockets), MemberType = typeof(Transports))]
    public async Task Abort_with_FinOnError_closes_the_connection_with_a_FIN(ServerTransport transport)
    {
        (long bytes, ConnectionEnd end) = await RequestAbortingHandlerAsync(transport, finOnError: true);

        Assert.Equal(0, bytes);
        Assert.Equal(ConnectionEnd.Fin, end);
    }

    [Theory, MemberData(nameof(Transports.WithSockets), MemberType = typeof(Transports))]
    public async Task Disposing_a_connection_whose_Transport_middleware_replaced_closes_it_and_leaves_those_pipes_alone(ServerTransport transport)
    {
        // Connection middleware that puts pipes of its own in ConnectionContext.Transport (as TLS or logging layers do)
        // and then disposes the connection: the transport must close the socket through the pipes it created itself.
        Pipe replacementInput = new();
        Pipe replacementOutput = new();
        TaskCompletionSource disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskCompletionSource testDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
        WebApplication app = ReliabilityHost.CreateBuilder(transport, listen: listen => listen.Use(_ => async connection =>
        {
            connection.Transport = new ReplacementPipe(replacementInput.Reader, replacementOutput.Writer);
            await connection.DisposeAsync();
            disposed.TrySetResult();
            await testDone.Task;
        })).Build();
        await using ReliabilityHost host = await ReliabilityHost.StartAsync(app);
        using ZokioMeterReader meter = new();
        using CancellationTokenSource timeout = new(ReliabilityHost.Timeout);
        try
        {
            using RawConnection client = await RawConnection.ConnectAsync(host.Port, timeout.Token);

            Assert.Equal((0L, ConnectionEnd.Fin), await client.ReadToEndAsync(timeout.Token));
            await disposed.Task.WaitAsync(timeout.Token);
            // The middleware's pipes are its own: still open for writing and reading.
            Assert.False((await replacementInput.Writer.WriteAsync("x"u8.ToArray(), timeout.Token)).IsCompleted);
            Assert.False((await replacementOutput.Writer.WriteAsync("x"u8.ToArray(), timeout.Token)).IsCompleted);
            if (transport != ServerTransport.Sockets)
            {
                await Eventually.EqualsAsync(0L, () => meter.Read(ZokioMeterReader.ConnectionsActive), "zokio.connections.active");
            }
        }
        finally
        {
            testDone.TrySetResult();
        }
    }

    [Theory, MemberData(nameof(Transports.WithSockets), MemberType = typeof(Transports))]
    public async Task Buffer_limits_of_long_MaxValue_are_accepted_as_no_practical_limit(ServerTransport transport)
    {
        WebApplication app = ReliabilityHost.CreateBuilder(transport, settings =>
        {
            settings.MaxReadBufferSize = long.MaxValue;
            settings.MaxWriteBufferSize = long.MaxValue;
        }).Build();
        app.MapPost("/echo", static (HttpContext context) => context.Request.Body.CopyToAsync(context.Response.Body, context.RequestAborted));
        await using ReliabilityHost host = await ReliabilityHost.StartAsync(app);
        using HttpClient client = new() { BaseAddress = host.BaseAddress, Timeout = ReliabilityHost.Timeout };

        byte[] payload = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);
        using HttpResponseMessage response = await client.PostAsync("/echo", new ByteArrayContent(payload));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(payload, await response.Content.ReadAsByteArrayAsync());
    }

    private sealed class ReplacementPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    private static async Task<(long Bytes, ConnectionEnd End)> RequestAbortingHandlerAsync(ServerTransport transport, bool finOnError)
    {
        WebApplication app = ReliabilityHost.CreateBuilder(transport, settings => settings.FinOnError = finOnError).Build();
        app.MapGet("/abort", static (HttpContext context) => context.Abort());
        await using ReliabilityHost host = await ReliabilityHost.StartAsync(app);
        using CancellationTokenSource timeout = new(ReliabilityHost.Timeout);
        using RawConnection client = await RawConnection.ConnectAsync(host.Port, timeout.Token);

        await client.SendAsync("GET /abort HTTP/1.1\r\nHost: test\r\n\r\n", timeout.Token);
        return await client.ReadToEndAsync(timeout.Token);
    }
}
