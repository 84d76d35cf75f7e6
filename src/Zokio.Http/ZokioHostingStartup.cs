using Microsoft.AspNetCore.Hosting;

[assembly: HostingStartup(typeof(Zokio.Http.ZokioHostingStartup))]

namespace Zokio.Http;

/// <summary>
/// Turns Zokio on for an app that never mentions it: set
/// <c>ASPNETCORE_HOSTINGSTARTUPASSEMBLIES=Zokio.Http</c> (with the package referenced or the assembly deployed).
/// </summary>
public sealed class ZokioHostingStartup : IHostingStartup
{
    /// <summary>Calls <see cref="ZokioWebHostBuilderExtensions.UseZokio"/>.</summary>
    public void Configure(IWebHostBuilder builder) => builder.UseZokio();
}
