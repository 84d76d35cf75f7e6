using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Zokio.Reliability.Tests;

public class GracefulShutdownTests
{
    [Theory, MemberData(nameof(Transports.WithSockets), MemberType = typeof(Transports))]
    public async Task Graceful_shutdown_lets_200_in_flight_slow_uploads_complete(ServerTransport transport)
    {
        const int Uploads = 200;
        const int BodyLength = 64 * 1024;
        const int FirstPart = 1024;
        int started = 0;
        TaskCompletionSource allStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        WebApplication app = ReliabilityHost.CreateBuilder(transport).Build();
        app.MapPost("/upload", async (HttpContext context) =>
        {
            byte[] buffer = new byte[16 * 1024];
            long length = 0;
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                if (length == 0 && Interlocked.Increment(ref started) == Uploads)
                {
                    allStarted.TrySetResult();
                }

                length += read;
            }

            return length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        });
        await using ReliabilityHost host = await ReliabilityHost.StartAsync(app);
        using CancellationTokenSource timeout = new(ReliabilityHost.Timeout);
        byte[] body = RandomNumberGenerator.GetBytes(BodyLength);
        List<RawConnection> clients = [];
        try
        {
            for (int i = 0; i < Uploads; i++)
            {
                RawConnection client = await RawConnection.ConnectAsync(host.Port, timeout.Token);
                clients.Add(client);
                await client.SendAsync($"POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: {BodyLength}\r\n\r\n", timeout.Token);
                await client.SendAsync(body.AsMemory(0, FirstPart), timeout.Token);
            }

            await allStarted.Task.WaitAsync(timeout.Token);

            // Every upload is in its handler with most of its body still to come when the host is told to stop.
            Task stopping = host.App.StopAsync(timeout.Token);
            for (int offset = FirstPart; offset < BodyLength; offset += 16 * 1024)
            {
                foreach (RawConnection client in clients)
                {
                    await client.SendAsync(body.AsMemory(offset, Math.Min(16 * 1024, BodyLength - offset)), timeout.Token);
                }
            }

            Http1Response[] responses = await Task.WhenAll(clients.Select(client => client.ReadResponseAsync(timeout.Token)));
            Assert.All(responses, response =>
            {
                Assert.Equal(200, response.StatusCode);
                Assert.Equal(BodyLength.ToString(System.Globalization.CultureInfo.InvariantCulture), response.BodyText);
            });
            await stopping.WaitAsync(timeout.Token);
        }
        finally
        {
            foreach (RawConnection client in clients)
            {
                client.Dispose();
            }
        }
    }
}
