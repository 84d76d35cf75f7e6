namespace Zokio.Http.Tests.Server.Applications;

/// <summary>The one difference between the servers by design: the <c>Server</c> response header names the server.</summary>
public class ServerHeaderTests
{
    [Theory, MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task The_Server_header_names_the_server_that_answered(ServerKind kind)
    {
        await using TestApplication app = await TestApplication.StartAsync(kind);

        using HttpResponseMessage response = await app.Client.GetAsync("/api/text");

        Assert.Equal(ServerKinds.ServerHeader(kind), response.Headers.Server.ToString());
    }
}
