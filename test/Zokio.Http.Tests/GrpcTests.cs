using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Zokio.Runtime.Loops;
using Zokio.Samples.WebApi.Grpc;

namespace Zokio.Http.Tests;

public class GrpcTests
{
    private sealed class TestGreeter : Greeter.GreeterBase
    {
        public override Task<HelloReply> SayHello(HelloRequest request, ServerCallContext context) =>
            Task.FromResult(new HelloReply { Message = $"Hello {request.Name}" });

        public override async Task SayHellos(HelloRequest request, IServerStreamWriter<HelloReply> responseStream, ServerCallContext context)
        {
            int count = request.Count > 0 ? request.Count : 5;
            for (int i = 1; i <= count; i++)
            {
                await responseStream.WriteAsync(new HelloReply { Message = $"Hello {request.Name} {i}" }, context.CancellationToken);
            }
        }
    }

    private static async Task<TestHost> StartGreeterAsync(LoopBackendKind backend)
    {
        WebApplicationBuilder builder = TestHost.CreateZokioBuilder(backend, protocols: HttpProtocols.Http2);
        builder.Services.AddGrpc();
        WebApplication app = builder.Build();
        app.MapGrpcService<TestGreeter>();
        return await TestHost.StartAsync(app);
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Grpc_unary_call_is_served_by_Zokio(LoopBackendKind backend)
    {
        using ZokioMeterReader meter = new();
        long acceptedBefore = meter.Read(ZokioMeterReader.ConnectionsAccepted);
        await using TestHost host = await StartGreeterAsync(backend);
        using GrpcChannel channel = GrpcChannel.ForAddress(host.BaseAddress);
        Greeter.GreeterClient client = new(channel);

        HelloReply reply = await client.SayHelloAsync(new HelloRequest { Name = "Zokio" }, deadline: DateTime.UtcNow.Add(TestHost.Timeout));

        Assert.Equal("Hello Zokio", reply.Message);
        Assert.True(meter.Read(ZokioMeterReader.ConnectionsAccepted) > acceptedBefore, "Zokio accepted no connection; another transport served.");
    }

    [Theory, MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Grpc_server_streaming_call_receives_every_reply_through_Zokio(LoopBackendKind backend)
    {
        using ZokioMeterReader meter = new();
        long acceptedBefore = meter.Read(ZokioMeterReader.ConnectionsAccepted);
        await using TestHost host = await StartGreeterAsync(backend);
        using GrpcChannel channel = GrpcChannel.ForAddress(host.BaseAddress);
        Greeter.GreeterClient client = new(channel);

        using AsyncServerStreamingCall<HelloReply> call = client.SayHellos(new HelloRequest { Name = "Zokio", Count = 5 }, deadline: DateTime.UtcNow.Add(TestHost.Timeout));
        List<string> messages = [];
        await foreach (HelloReply reply in call.ResponseStream.ReadAllAsync())
        {
            messages.Add(reply.Message);
        }

        Assert.Equal(Enumerable.Range(1, 5).Select(i => $"Hello Zokio {i}"), messages);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.True(meter.Read(ZokioMeterReader.ConnectionsAccepted) > acceptedBefore, "Zokio accepted no connection; another transport served.");
    }
}
