using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.SignalR;

namespace Zokio.Http.Tests.Server.Applications;

/// <summary>The test app's SignalR hub: an echo, a server-to-client stream and group broadcast.</summary>
internal sealed class ChatHub : Hub
{
    public const string GroupMessage = "groupMessage";

    public string Echo(string message) => $"echo: {message}";

    public async IAsyncEnumerable<int> Count(int count, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (int i = 1; i <= count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return i;
            await Task.Yield();
        }
    }

    public Task Join(string group) => Groups.AddToGroupAsync(Context.ConnectionId, group, Context.ConnectionAborted);

    public Task SendToGroup(string group, string message) => Clients.Group(group).SendAsync(GroupMessage, Context.ConnectionId, message, Context.ConnectionAborted);
}
