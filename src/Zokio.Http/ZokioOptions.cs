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

    /// <summary>
    /// Which server answers HTTP: Kestrel on Zokio's transport, or Zokio's own HTTP/1.1 server on the loops, which
    /// hands what it does not serve itself to Kestrel in the same process. Needs <see cref="Enabled"/>.
    /// </summary>
    /// <remarks>Defaults to <see cref="ZokioServerKind.Kestrel"/>.</remarks>
    public ZokioServerKind Server { get; set; } = ZokioServerKind.Kestrel;

    /// <inheritdoc/>
    public override void Validate(string prefix = "")
    {
        base.Validate(prefix);
        if (!Enum.IsDefined(Server))
        {
            throw new ArgumentOutOfRangeException(nameof(Server), Server, $"{prefix}{nameof(Server)} must be one of {string.Join(", ", Enum.GetNames<ZokioServerKind>())}; got {Server}.");
        }
    }
}
