using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Zokio.Runtime.Loops;
using Zokio.Transport;

namespace Zokio.Http.Tests;

/// <summary>One set of event loops per app: serving, connecting out and application code share it.</summary>
public class SharedLoopsTests
{
    [Theory, MemberData(nameof(TestHost.Backends), MemberType = typeof(TestHost))]
    public async Task An_app_that_serves_and_connects_out_runs_LoopCount_loop_threads(LoopBackendKind backend)
    {
        WebApplicationBuilder builder = TestHost.CreateZokioBuilder(backend);
        WebApplication app = builder.Build();
        app.MapGet("/", () => "served");
        await using TestHost host = await TestHost.StartAsync(app);

        // An outbound connection through the factory the app resolves, to the app itself, over HTTP/1.1.
        ZokioConnectionFactory client = app.Services.GetRequiredService<ZokioConnectionFactory>();
        EventLoopGroup loops = app.Services.GetRequiredService<EventLoopGroup>();
        Assert.Same(loops, client.Loops);
        await using (ConnectionContext connection = await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, host.BaseAddress.Port)).AsTask().WaitAsync(TestHost.Timeout))
        {
            await connection.Transport.Output.WriteAsync("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"u8.ToArray());
            StringBuilder response = new();
            while (true)
            {
                var read = await connection.Transport.Input.ReadAsync().AsTask().WaitAsync(TestHost.Timeout);
                foreach (ReadOnlyMemory<byte> segment in read.Buffer)
                {
                    response.Append(Encoding.ASCII.GetString(segment.Span));
                }

                connection.Transport.Input.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted)
                {
                    break;
                }
            }

            Assert.StartsWith("HTTP/1.1 200", response.ToString());
            Assert.Contains("\r\n\r\n6\r\nserved\r\n0\r\n\r\n", response.ToString());
        }

        // Test classes in this project run one at a time and each disposes its hosts: these are the app's threads.
        Assert.Equal(2, loops.Loops.Count);
        Assert.Equal(loops.Loops.Count, LoopThreadNames().Count(name => name.StartsWith("zokio-loop-", StringComparison.Ordinal)));
    }

    /// <summary>The kernel's names of this process's threads (15 characters at most).</summary>
    private static IEnumerable<string> LoopThreadNames() =>
        Directory.GetDirectories("/proc/self/task").Select(task =>
        {
            try
            {
                return File.ReadAllText(Path.Combine(task, "comm")).Trim();
            }
            catch (IOException)
            {
                return "";
            }
        });
}
