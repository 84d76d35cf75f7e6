namespace Zokio.Http.Dashboard;

/// <summary>What the dashboard shows at one moment: the app's requests, whether Zokio serves, and every loop's row.</summary>
/// <param name="Time">When it was read, in Unix milliseconds.</param>
/// <param name="State"><c>serving</c>, <c>starting</c> (nothing bound yet), <c>disabled</c> or <c>unsupported</c>.</param>
/// <param name="Message">The state in words, for people.</param>
/// <param name="Scheduling">The loops' <c>ApplicationScheduling</c> while serving.</param>
/// <param name="FallbackReason">Why <c>Backend=Auto</c> chose epoll, if it did.</param>
/// <param name="Requests">The requests of the last interval, whatever serves them; null on a snapshot with no earlier one to count from.</param>
/// <param name="Loops">One row per loop, in index order; empty unless serving.</param>
internal sealed record DashboardSnapshot(
    long Time,
    string State,
    string Message,
    string? Scheduling,
    string? FallbackReason,
    DashboardRequests? Requests,
    IReadOnlyList<DashboardLoop> Loops);
