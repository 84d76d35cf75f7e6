namespace Zokio.Http.Tests.Server.Applications;

/// <summary>Python's <c>websockets</c> client (its own WebSocket implementation) against the app's <c>UseWebSockets</c> echo on every server kind.</summary>
public class PythonWebSocketsTests
{
    // Text, a message larger than the echo's 8 KiB buffer (so it comes back in several frames), binary, then a clean close.
    private const string Client = """
        import asyncio, sys, websockets

        async def main(uri):
            async with websockets.connect(uri, max_size=None) as ws:
                for message in ["hello", "z" * 70000, bytes(range(256)) * 64]:
                    await ws.send(message)
                    echoed = await ws.recv()
                    assert echoed == message, f"sent {len(message)} {type(message).__name__}, got {len(echoed)} {type(echoed).__name__}"
                    print("echoed", type(message).__name__, len(message))
            print("closed", ws.close_code, ws.close_reason)

        asyncio.run(main(sys.argv[1]))
        """;

    [PythonWebSocketsTheory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task Python_websockets_messages_are_echoed_and_the_close_is_clean(ServerKind kind)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);
        string uri = new UriBuilder(app.BaseAddress) { Scheme = "ws", Path = "/ws" }.Uri.ToString();

        Command.Result result = await Command.RunAsync(PythonWebSocketsTheoryAttribute.Python, ["-c", Client, uri], null, TestHost.Timeout);

        result.EnsureSuccess("the Python websockets client");
        Assert.Equal(["echoed str 5", "echoed str 70000", "echoed bytes 16384", "closed 1000 bye"], result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
