using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Zokio.Runtime.Loops;
using Zokio.Runtime.Net;

namespace Zokio.Transport.Tests;

/// <summary>
/// The README's examples are the files in ReadmeExamples/, which this project compiles: a README block marked
/// <c>&lt;!-- compiled: path --&gt;</c> must be that file word for word, and each example must work on both backends.
/// </summary>
public partial class ReadmeExampleTests : IClassFixture<LeakCheck>
{
    public static TheoryData<LoopBackendKind> Backends => new() { LoopBackendKind.IoUring, LoopBackendKind.Epoll };

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void Every_example_in_the_readme_is_the_file_this_project_compiles()
    {
        string root = RepositoryRoot();
        string readme = File.ReadAllText(Path.Combine(root, "README.md"));
        Dictionary<string, string> blocks = CompiledBlock().Matches(readme).ToDictionary(m => m.Groups["path"].Value, m => m.Groups["code"].Value);

        string examples = Path.Combine(root, "test", "Zokio.Transport.Tests", "ReadmeExamples");
        string[] files = [.. Directory.GetFiles(examples, "*.cs").Select(f => Path.GetRelativePath(root, f)).Order()];
        Assert.Equal(files, blocks.Keys.Order());
        foreach (string file in files)
        {
            Assert.Equal(Normalize(File.ReadAllText(Path.Combine(root, file))), Normalize(blocks[file]));
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task The_echo_server_and_client_examples_talk_to_each_other(LoopBackendKind backend)
    {
        ZokioTransportOptions Options() => new() { Backend = backend, LoopCount = 2, RingEntries = 64 };
        using CancellationTokenSource stop = new();
        TaskCompletionSource<EndPoint> listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Task server = EchoServer.RunAsync(new IPEndPoint(IPAddress.Loopback, 0), Options(), listening.SetResult, stop.Token);
        EndPoint endPoint = await listening.Task.WaitAsync(Timeout);

        Assert.Equal("hello, zokio", await EchoClient.SendAsync(endPoint, "hello, zokio", Options()).WaitAsync(Timeout));
        Assert.Equal("again", await EchoClient.SendAsync(endPoint, "again", Options()).WaitAsync(Timeout));

        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => server.WaitAsync(Timeout));
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task The_runtime_echo_server_example_echoes_a_loop_client_and_a_plain_socket(LoopBackendKind backend)
    {
        // Stealing off: the client's spawned work must start on its socket's loop, not on a thief.
        await using EventLoopGroup loops = EventLoopGroup.Start(new EventLoopGroupOptions { Backend = backend, LoopCount = 2, RingEntries = 64, WorkStealing = false });
        using CancellationTokenSource stop = new();
        TaskCompletionSource<EndPoint> listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Task server = LoopEchoServer.RunAsync(loops, new IPEndPoint(IPAddress.Loopback, 0), listening.SetResult, stop.Token);
        EndPoint endPoint = await listening.Task.WaitAsync(Timeout);

        // A client on the same loops, through the runtime's sockets.
        using (LoopSocket client = await LoopSocket.ConnectAsync(loops.Next(), endPoint).AsTask().WaitAsync(Timeout))
        {
            string echoed = await client.Loop.Spawn(async () =>
            {
                await client.SendAsync(new ReadOnlySequence<byte>("hello, loops"u8.ToArray()));
                Pipe reply = new();
                long total = 0;
                while (total < 12)
                {
                    total += (await client.ReceiveAsync(reply.Writer)).BytesReceived;
                }

                await client.StopReceivingAsync();
                await reply.Writer.CompleteAsync();
                ReadResult read = await reply.Reader.ReadAsync();
                return System.Text.Encoding.ASCII.GetString(read.Buffer.ToArray());
            }).WaitAsync(Timeout);
            Assert.Equal("hello, loops", echoed);
        }

        // A plain socket that sends and shuts down: everything comes back, then the server's FIN.
        using (Socket plain = new(SocketType.Stream, ProtocolType.Tcp))
        {
            await plain.ConnectAsync(endPoint);
            await plain.SendAsync("bye"u8.ToArray());
            plain.Shutdown(SocketShutdown.Send);
            byte[] buffer = new byte[16];
            int received = 0, n;
            while ((n = await plain.ReceiveAsync(buffer.AsMemory(received)).AsTask().WaitAsync(Timeout)) > 0)
            {
                received += n;
            }

            Assert.Equal("bye", System.Text.Encoding.ASCII.GetString(buffer, 0, received));
        }

        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => server.WaitAsync(Timeout));
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task The_file_copy_example_copies_every_byte(LoopBackendKind backend)
    {
        string directory = Directory.CreateTempSubdirectory("zokio-readme-").FullName;
        try
        {
            byte[] content = RandomNumberGenerator.GetBytes((300 * 1024) + 5);
            string source = Path.Combine(directory, "source.bin"), destination = Path.Combine(directory, "copy.bin");
            await File.WriteAllBytesAsync(source, content);
            Assert.Equal(content.Length, await FileCopy.CopyAsync(source, destination, backend).WaitAsync(Timeout));
            Assert.Equal(content, await File.ReadAllBytesAsync(destination));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task The_heartbeat_example_counts_its_ticks(LoopBackendKind backend)
    {
        await using EventLoopGroup group = EventLoopGroup.Start(new EventLoopGroupOptions { LoopCount = 1, Backend = backend, RingEntries = 64 });
        Assert.Equal(3, await Heartbeat.RunAsync(group.Loops[0], TimeSpan.FromMilliseconds(2), beats: 3).WaitAsync(Timeout));
    }

    private static string Normalize(string code) => string.Join('\n', code.ReplaceLineEndings("\n").Trim().Split('\n').Select(l => l.TrimEnd()));

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Zokio.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Zokio.sln above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"<!-- compiled: (?<path>\S+) -->\s*```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CompiledBlock();
}
