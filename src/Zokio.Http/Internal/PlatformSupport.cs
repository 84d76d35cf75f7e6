using System.Runtime.InteropServices;
using Zokio.Runtime.Loops;

namespace Zokio.Http.Internal;

/// <summary>
/// Whether this OS has a Zokio backend, as a service so tests can play an OS without one (the fallback to Kestrel's
/// Sockets transport must hold there too, and only Linux machines run the tests).
/// </summary>
internal sealed class PlatformSupport(bool isSupported, string description)
{
    /// <summary>This machine.</summary>
    public static PlatformSupport Current { get; } = new(EventLoopGroup.IsSupported, RuntimeInformation.OSDescription);

    /// <summary>True where Zokio's event loops can run.</summary>
    public bool IsSupported { get; } = isSupported;

    /// <summary>The OS, for the log line that says why Zokio declined.</summary>
    public string Description { get; } = description;
}
