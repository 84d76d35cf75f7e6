using Grpc.Core;
using Zokio.Samples.WebApi.Grpc;

namespace Zokio.Samples.WebApi.Services;

/// <summary>The Greeter service from Protos/greet.proto.</summary>
public sealed class GreeterService : Greeter.GreeterBase
{
    /// <summary>Replies sent by <see cref="SayHellos"/> when the request does not say how many.</summary>
    public const int DefaultReplyCount = 5;

    public override Task<HelloReply> SayHello(HelloRequest request, ServerCallContext context) =>
        Task.FromResult(new HelloReply { Message = $"Hello {request.Name}" });

    public override async Task SayHellos(HelloRequest request, IServerStreamWriter<HelloReply> responseStream, ServerCallContext context)
    {
        int count = request.Count > 0 ? request.Count : DefaultReplyCount;
        for (int i = 1; i <= count; i++)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            await responseStream.WriteAsync(new HelloReply { Message = $"Hello {request.Name} {i}" });
        }
    }
}
