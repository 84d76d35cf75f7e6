using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Zokio.Runtime.Loops;
using Zokio.Samples.WebApi.Grpc;

namespace Zokio.Http.Tests;

/// <summary>
/// A gRPC stream still open when the host's shutdown timeout runs out: Kestrel aborts the connection. The client must
/// see what it sees on the Sockets transport (a reset, since an abort closes with RST), and the server log the same.
/// </summary>
public class ShutdownTimeoutTests
{
    private sealed class StreamStarted
    {
        public TaskCompletionSource Signal { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class EndlessGreeter(StreamStarted started) : Greeter.GreeterBase
    {
        public override async Task SayHellos(HelloRequest request, IServerStreamWriter<HelloReply> responseStream, ServerCallContext context)
        {
            // Ignores the graceful stop: only the shutdown timeout's abort ends it.
            for (int i = 0; ; i++)
            {
                await responseStream.WriteAsync(new HelloReply { Message = $"Hello {i}" });
                started.Signal.TrySetResult();
                await Task.Delay(20);
            }
        }
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task An_open_stream_at_the_shutdown_timeout_ends_as_on_Sockets(LoopBackendKind backend)
    {
        (string status, string[] warnings) sockets = await StreamUntilShutdownTimeout(args: ["--Zokio:Enabled=false"], backend: LoopBackendKind.Auto);
        (string status, string[] warnings) zokio = await StreamUntilShutdownTimeout(args: [], backend);

        // The client sees the same end (the abort resets the connection on both), and the logs say the same.
        Assert.Equal(sockets.status, zokio.status);
        Assert.Equal(sockets.warnings, zokio.warnings);
    }

    private static async Task<(string Status, string[] Warnings)> StreamUntilShutdownTimeout(string[] args, LoopBackendKind backend)
    {
        using CapturingLoggerProvider logs = new(LogLevel.Information);
        WebApplicationBuilder builder = TestHost.CreateZokioBuilder(backend, args: args, protocols: HttpProtocols.Http2);
        builder.Logging.AddProvider(logs);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(300));
        builder.Services.AddGrpc();
        StreamStarted started = new();
        builder.Services.AddSingleton(started);
        WebApplication app = builder.Build();
        app.MapGrpcService<EndlessGreeter>();
        await app.StartAsync().WaitAsync(TestHost.Timeout);
        try
        {
            using GrpcChannel channel = GrpcChannel.ForAddress(app.Urls.Single());
            Greeter.GreeterClient client = new(channel);
            using AsyncServerStreamingCall<HelloReply> call = client.SayHellos(new HelloRequest { Name = "x" }, deadline: DateTime.UtcNow.Add(TestHost.Timeout));
            Task<string> reading = Task.Run(async () =>
            {
                try
                {
                    await foreach (HelloReply _ in call.ResponseStream.ReadAllAsync())
                    {
                    }

                    return "OK";
                }
                catch (RpcException ex)
                {
                    // The status and what ended the connection underneath (a reset, or an end of stream).
                    Exception? inner = ex.Status.DebugException;
                    while (inner?.InnerException is not null)
                    {
                        inner = inner.InnerException;
                    }

                    return $"{ex.StatusCode} {(inner as System.Net.Sockets.SocketException)?.SocketErrorCode.ToString() ?? inner?.GetType().Name}";
                }
            });
            await started.Signal.Task.WaitAsync(TestHost.Timeout);
            await app.StopAsync().WaitAsync(TestHost.Timeout);
            string status = await reading.WaitAsync(TestHost.Timeout);
            return (status, [.. logs.Messages.Where(m => m.Level >= LogLevel.Warning).Select(m => m.Message)]);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }
}
