namespace Zokio.Reliability.Tests;

/// <summary>Names of the "Zokio" meter's instruments the tests read (README, Metrics).</summary>
internal static class ZokioMeters
{
    public const string ConnectionsActive = "zokio.connections.active";
    public const string MemoryOutstanding = "zokio.memory.outstanding";
}
