using Zokio.Transport;

namespace Zokio.Http;

/// <summary>
/// Zokio's settings for an ASP.NET Core app, bound from the configuration section <c>Zokio</c>
/// (<c>--Zokio:Backend=Epoll</c>, <c>Zokio__LoopCount=4</c>, appsettings.json).
/// </summary>
public sealed class ZokioOptions : ZokioTransportOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "Zokio";

    /// <summary>
    /// Serves through Zokio; when false, Kestrel's own Sockets transport serves instead, so operators can compare
    /// the two without a rebuild.
    /// </summary>
    /// <remarks>Defaults to true.</remarks>
    public bool Enabled { get; set; } = true;
}
